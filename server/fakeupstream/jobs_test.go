package fakeupstream

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func setupJobs(t *testing.T) (*Server, string, *FakeClock) {
	t.Helper()
	s, base, _ := setup(t)
	c := NewFakeClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	s.Clock = c.Now
	return s, base, c
}

// poll GETs path and decodes the JSON answer (nil on a broken connection).
func poll(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	// A fresh connection each time: the transport would retry a GET whose reused connection
	// breaks.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestJobStateMachine(t *testing.T) {
	tests := []struct {
		family, create, body, pollPath, member string
	}{
		{"video", "/v2/video/generations", `{"model":"m","prompt":"a wave"}`, "/v2/video/generations?generation_id=", "video"},
		{"video v1", "/v1/video/generations", `{"model":"m","prompt":"a wave"}`, "/v2/video/generations?generation_id=", "video"},
		{"kling", "/v2/generate/video/kling/generation", `{"model":"m","prompt":"a wave"}`, "/v2/generate/video/kling/generation?generation_id=", "video"},
		{"music", "/v2/generate/audio", `{"model":"m","prompt":"a tune"}`, "/v2/generate/audio?generation_id=", "audio_file"},
		{"stt", "/v1/stt/create", `{"model":"m","url":"https://x/a.mp3"}`, "/v1/stt/", "result"},
	}
	for _, tt := range tests {
		t.Run(tt.family, func(t *testing.T) {
			s, base, c := setupJobs(t)
			resp, body := do(t, "POST", base+tt.create, "", []byte(tt.body))
			var created struct{ ID, GenerationID, Status string }
			_ = json.Unmarshal(body, &struct {
				ID           *string `json:"id"`
				GenerationID *string `json:"generation_id"`
				Status       *string `json:"status"`
			}{&created.ID, &created.GenerationID, &created.Status})
			id := created.ID + created.GenerationID
			if resp.StatusCode != 200 || id == "" || (tt.family != "stt" && created.Status != "queued") {
				t.Fatalf("create: %d %s", resp.StatusCode, body)
			}
			url := base + tt.pollPath + id
			for _, step := range []struct {
				advance time.Duration
				status  string
			}{{0, "queued"}, {DefaultQueueFor, "generating"}, {DefaultGenerateFor, "completed"}} {
				c.Advance(step.advance)
				st, out := poll(t, url)
				if st != 200 || out["status"] != step.status {
					t.Fatalf("after %v: %d %v, want %s", step.advance, st, out, step.status)
				}
				if (out[tt.member] != nil) != (step.status == "completed") {
					t.Fatalf("%s: %s = %v", step.status, tt.member, out[tt.member])
				}
				if step.status == "completed" && tt.family == "stt" {
					b, _ := json.Marshal(out["result"])
					if !strings.Contains(string(b), `"channels":[{"alternatives":[{`) || !strings.Contains(string(b), Transcript) {
						t.Fatalf("stt result %s", b)
					}
				}
				if step.status == "completed" && tt.family != "stt" {
					file := out[tt.member].(map[string]any)["url"].(string)
					req, _ := http.NewRequest("GET", file, nil)
					req.Header.Set("Range", "bytes=0-99")
					fr, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					fr.Body.Close()
					if fr.StatusCode != 206 || fr.ContentLength != 100 || !strings.HasPrefix(fr.Header.Get("Content-Type"), map[bool]string{true: "video/webm", false: "audio/wav"}[tt.member == "video"]) {
						t.Fatalf("file %s: %d %d %q", file, fr.StatusCode, fr.ContentLength, fr.Header.Get("Content-Type"))
					}
					if meta, _ := json.Marshal(out["meta"]); !strings.Contains(string(meta), "usd_spent") {
						t.Fatalf("meta %s", meta)
					}
				}
			}
			if js := s.Jobs(); len(js) != 1 || js[0].Polls != 3 {
				t.Fatalf("jobs %+v", js)
			}
			// Another family's route does not know the id.
			other := "/v2/generate/audio?generation_id="
			if tt.member == "audio_file" {
				other = "/v2/video/generations?generation_id="
			}
			if st, _ := poll(t, base+other+id); st != 404 {
				t.Fatalf("another family's poll: %d", st)
			}
		})
	}
}

func TestJobScenarios(t *testing.T) {
	s, base, c := setupJobs(t)
	create := func(prompt string) string {
		_, body := do(t, "POST", base+"/v2/video/generations", "", []byte(fmt.Sprintf(`{"model":"m","prompt":%q}`, prompt)))
		var out struct{ ID string }
		_ = json.Unmarshal(body, &out)
		return base + "/v2/video/generations?generation_id=" + out.ID
	}
	errURL, fiveURL, resetURL, neverURL, noURL := create("fake:job-error"), create("fake:job-5xx"), create("fake:job-reset"), create("fake:job-never"), create("fake:job-nourl")
	if st, _ := poll(t, fiveURL); st != 502 {
		t.Errorf("job-5xx first poll: %d", st)
	}
	if st, _ := poll(t, resetURL); st != 0 {
		t.Errorf("job-reset first poll: %d, want a broken connection", st)
	}
	c.Advance(time.Hour)
	if _, out := poll(t, errURL); out["status"] != "error" || out["error"].(map[string]any)["name"] != "GenerationError" {
		t.Errorf("job-error: %v", out)
	}
	for _, u := range []string{fiveURL, resetURL} {
		if st, out := poll(t, u); st != 200 || out["status"] != "completed" {
			t.Errorf("after the failed poll: %d %v", st, out)
		}
	}
	if _, out := poll(t, neverURL); out["status"] != "generating" {
		t.Errorf("job-never: %v", out)
	}
	if _, out := poll(t, noURL); out["status"] != "completed" || out["video"] != nil {
		t.Errorf("job-nourl: %v", out)
	}
	if st, _ := poll(t, base+"/v2/video/generations?generation_id=nope"); st != 404 {
		t.Errorf("unknown id: %d", st)
	}
	if resp, _ := do(t, "POST", base+"/v2/video/generations", "", []byte(`{"model":"m","prompt":"fake:error 429"}`)); resp.StatusCode != 429 {
		t.Errorf("fake:error 429 on creation: %d", resp.StatusCode)
	}
	if resp, _ := do(t, "POST", base+"/v2/video/generations", "", []byte(`{"model":"m","prompt":"fake:job-what"}`)); resp.StatusCode != 400 {
		t.Errorf("an unknown scenario: %d", resp.StatusCode)
	}
	_ = s
}

func TestSyncAudioShapes(t *testing.T) {
	_, base, _ := setup(t)
	resp, body := do(t, "POST", base+"/v2/generate/audio/minimax/generate", "", []byte(`{"model":"music-01","lyrics":"la"}`))
	var mm struct {
		Data struct {
			Status int
			Audio  string
		}
		BaseResp struct {
			StatusCode int `json:"status_code"`
		} `json:"base_resp"`
	}
	if json.Unmarshal(body, &mm); resp.StatusCode != 200 || mm.Data.Status != 2 || !strings.HasSuffix(mm.Data.Audio, ".wav") {
		t.Fatalf("minimax: %d %s", resp.StatusCode, body)
	}
	resp, body = do(t, "POST", base+"/v1/stt", "", []byte(`{"model":"#g1_nova-2-general"}`))
	if resp.StatusCode != 201 || !strings.Contains(string(body), Transcript) {
		t.Fatalf("sync stt: %d %s", resp.StatusCode, body)
	}
	w := WAV(0.5)
	if len(w) != 44+8000 || string(w[:4]) != "RIFF" || string(w[8:12]) != "WAVE" {
		t.Fatalf("WAV header %q, %d bytes", w[:12], len(w))
	}
	rec := httptest.NewRecorder()
	New().ServeHTTP(rec, httptest.NewRequest("GET", "/files/video-1.webm", nil))
	if rec.Code != 200 || rec.Body.Len() != len(ClipWebM) || !strings.HasPrefix(rec.Body.String(), "\x1a\x45\xdf\xa3") {
		t.Fatalf("video file: %d, %d bytes", rec.Code, rec.Body.Len())
	}
}

func TestTTS(t *testing.T) {
	s, base, _ := setup(t)
	s.ChunkDelay = 5 * time.Millisecond
	resp, body := do(t, "POST", base+"/v1/tts", "", []byte(`{"model":"openai/tts-1","text":"Hello there, this is speech."}`))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || resp.ContentLength != -1 || string(body[:4]) != "RIFF" || len(body) <= 8<<10 {
		t.Fatalf("binary: %d %q length %d, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength, len(body))
	}
	for _, tt := range []struct {
		text, ct string
		status   int
	}{
		{"fake:json", "application/json", 200},
		{"fake:wrongtype", "text/html", 200},
		{"fake:error 500", "application/json", 500},
		{"fake:what", "application/json", 400},
	} {
		resp, body := do(t, "POST", base+"/v1/tts", "", []byte(`{"model":"openai/tts-1","text":"`+tt.text+`"}`))
		if resp.StatusCode != tt.status || resp.Header.Get("Content-Type") != tt.ct {
			t.Errorf("%s: %d %q", tt.text, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if tt.text == "fake:json" && !strings.Contains(string(body), `"audio":"http://`) {
			t.Errorf("json: %s", body)
		}
	}
	req, _ := http.NewRequest("POST", base+"/v1/tts", strings.NewReader(`{"model":"m","text":"fake:reset"}`))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("fake:reset sent a whole answer")
		}
	}
}

func TestOCR(t *testing.T) {
	_, base, _ := setup(t)
	resp, body := do(t, "POST", base+"/v1/ocr", "", []byte(`{"model":"mistral-ocr-latest","document":{"type":"document_url","document_url":"https://x/a.pdf"},"include_image_base64":true}`))
	var out struct {
		Pages []struct {
			Index    int
			Markdown string
			Images   []struct {
				ImageBase64 string `json:"image_base64"`
			}
		}
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil || len(out.Pages) != OCRPages || out.Pages[1].Markdown != OCRMarkdown(1) ||
		!strings.HasPrefix(out.Pages[0].Images[0].ImageBase64, "data:image/png;base64,") {
		t.Fatalf("%d %.300s", resp.StatusCode, body)
	}
	_, body = do(t, "POST", base+"/v1/ocr", "", []byte(`{"model":"m","document":{"type":"image_url","image_url":"https://x/fake:xss.png"},"pages":[0,2]}`))
	out.Pages = nil
	if json.Unmarshal(body, &out) != nil || len(out.Pages) != 2 || out.Pages[1].Index != 2 || out.Pages[0].Markdown != OCRHostile || out.Pages[0].Images[0].ImageBase64 != "" {
		t.Fatalf("pages and xss: %.300s", body)
	}
	if resp, _ := do(t, "POST", base+"/v1/ocr", "", []byte(`{"model":"m","document":{}}`)); resp.StatusCode != 400 {
		t.Errorf("no document: %d", resp.StatusCode)
	}
}
