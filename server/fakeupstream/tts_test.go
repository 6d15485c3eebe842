package fakeupstream

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// ttsSeconds is how long the fake's speech of text lasts.
func ttsSeconds(text string) float64 { return min(0.5+float64(len([]rune(text)))/20, 10) }

// TestTTSStreams: the default answer is the WAV, arriving in several reads over time, as the fake
// writes and flushes it chunk by chunk.
func TestTTSStreams(t *testing.T) {
	s, base, _ := setup(t)
	s.ChunkDelay = 25 * time.Millisecond
	text := "Hello there, this is a sentence of speech." // 42 characters: 2.6 s, 41,644 bytes
	want := WAV(ttsSeconds(text))
	chunks := (len(want) + TTSChunkBytes - 1) / TTSChunkBytes
	req, _ := http.NewRequest("POST", base+"/v1/tts", strings.NewReader(`{"model":"openai/tts-1","text":"`+text+`","voice":"alloy"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || resp.ContentLength != -1 {
		t.Fatalf("%d %q, Content-Length %d", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength)
	}
	var got bytes.Buffer
	var arrivals []time.Time
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			got.Write(buf[:n])
			arrivals = append(arrivals, time.Now())
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("%d bytes, want the %d of WAV(%v)", got.Len(), len(want), ttsSeconds(text))
	}
	if len(arrivals) < chunks/2 {
		t.Fatalf("the audio came in %d reads, want it in about %d chunks", len(arrivals), chunks)
	}
	if spread, least := arrivals[len(arrivals)-1].Sub(arrivals[0]), time.Duration(chunks-1)*s.ChunkDelay; spread < least {
		t.Fatalf("the audio arrived over %v, want at least %v (%d chunks %v apart)", spread, least, chunks, s.ChunkDelay)
	}
}

func TestTTSScenarios(t *testing.T) {
	_, base, _ := setup(t)
	tests := []struct {
		name, text string
		wantStatus int
		wantType   string
		check      func(t *testing.T, body []byte)
	}{
		{"length follows the text", "Hi", 200, "audio/wav", func(t *testing.T, body []byte) {
			if !bytes.Equal(body, WAV(0.6)) {
				t.Fatalf("%d bytes, want the %d of WAV(0.6)", len(body), len(WAV(0.6)))
			}
		}},
		{"length is capped", strings.Repeat("long text ", 100), 200, "audio/wav", func(t *testing.T, body []byte) {
			if len(body) != len(WAV(10)) {
				t.Fatalf("%d bytes, want the %d of WAV(10)", len(body), len(WAV(10)))
			}
		}},
		{"json", "fake:json", 200, "application/json", func(t *testing.T, body []byte) {
			var out map[string]any
			if err := json.Unmarshal(body, &out); err != nil || !slices.Equal(sortedKeys(out), []string{"audio", "meta"}) {
				t.Fatalf("%s", body)
			}
			usage, _ := out["meta"].(map[string]any)["usage"].(map[string]any)
			if _, ok := usage["credits_used"].(float64); !ok {
				t.Fatalf("usage %v", usage)
			}
			if _, ok := usage["usd_spent"].(float64); !ok {
				t.Fatalf("usage %v", usage)
			}
			audio, _ := out["audio"].(string)
			resp, wav := do(t, "GET", audio, "", nil)
			if !strings.HasPrefix(audio, base+"/files/speech-") || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || !bytes.HasPrefix(wav, []byte("RIFF")) {
				t.Fatalf("audio %q: %d %q", audio, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		}},
		{"wrong type", "fake:wrongtype", 200, "text/html", func(t *testing.T, body []byte) {
			if !bytes.Equal(body, WAV(ttsSeconds("fake:wrongtype"))) {
				t.Fatalf("not the WAV: %.40q", body)
			}
		}},
		{"mp3", "fake:mp3", 200, "audio/mpeg", func(t *testing.T, body []byte) {
			if !bytes.Equal(body, ToneMP3) || len(ToneMP3) < 2*TTSChunkBytes {
				t.Fatalf("%d bytes, want the %d of ToneMP3, in a few chunks", len(body), len(ToneMP3))
			}
		}},
		{"error 500", "fake:error 500", 500, "application/json", func(t *testing.T, body []byte) {
			if !strings.Contains(string(body), `"type":"server_error"`) {
				t.Fatalf("%s", body)
			}
		}},
		{"error 429", "fake:error 429", 429, "application/json", nil},
		{"unknown scenario", "fake:what", 400, "application/json", func(t *testing.T, body []byte) {
			if !strings.Contains(string(body), `scenario \"what\"`) {
				t.Fatalf("%s", body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]string{"model": "openai/tts-1", "text": tt.text})
			resp, body := do(t, "POST", base+"/v1/tts", "", b)
			if resp.StatusCode != tt.wantStatus || resp.Header.Get("Content-Type") != tt.wantType {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if tt.check != nil {
				tt.check(t, body)
			}
		})
	}
	t.Run("no model", func(t *testing.T) {
		if resp, body := do(t, "POST", base+"/v1/tts", "", []byte(`{"text":"hi"}`)); resp.StatusCode != 400 || !strings.Contains(string(body), "model parameter") {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

// TestTTSReset: "fake:reset" sends the headers and part of the audio, then cuts the connection.
func TestTTSReset(t *testing.T) {
	_, base, _ := setup(t)
	req, _ := http.NewRequest("POST", base+"/v1/tts", strings.NewReader(`{"model":"m","text":"fake:reset"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("no headers before the reset: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	full := WAV(ttsSeconds("fake:reset"))
	if err == nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || len(body) == 0 || len(body) >= len(full) || !bytes.Equal(body, full[:len(body)]) {
		t.Fatalf("%d %q: %d of %d bytes, error %v; want part of the audio, then an error", resp.StatusCode, resp.Header.Get("Content-Type"), len(body), len(full), err)
	}
}

// TestTTSHold: while HoldTTS holds, the answer stops after its first chunk; release sends the rest.
func TestTTSHold(t *testing.T) {
	s, base, _ := setup(t)
	s.ChunkDelay = 0
	release := s.HoldTTS()
	defer release()
	text := "Held speech, long enough for a few chunks."
	want := WAV(ttsSeconds(text))
	req, _ := http.NewRequest("POST", base+"/v1/tts", strings.NewReader(`{"model":"openai/tts-1","text":"`+text+`"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, TTSChunkBytes)
	if _, err := io.ReadFull(resp.Body, first); err != nil || !bytes.Equal(first, want[:TTSChunkBytes]) {
		t.Fatalf("the first chunk: %v", err)
	}
	more := make(chan int, 1)
	go func() {
		n, _ := resp.Body.Read(make([]byte, 1))
		more <- n
	}()
	select {
	case n := <-more:
		t.Fatalf("%d more bytes while held", n)
	case <-time.After(200 * time.Millisecond):
	}
	release()
	release()
	if n := <-more; n != 1 {
		t.Fatalf("read %d after the release", n)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || TTSChunkBytes+1+len(rest) != len(want) {
		t.Fatalf("after the release: %d bytes, %v; want %d in all", TTSChunkBytes+1+len(rest), err, len(want))
	}
}
