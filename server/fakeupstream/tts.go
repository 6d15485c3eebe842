package fakeupstream

import (
	_ "embed"
	"fmt"
	"net/http"
	"sync"
)

// ToneMP3 is the answer of "fake:mp3": a real three-second mono MP3 (440 Hz, 24 kbit/s, 22.05 kHz,
// no ID3 tag), made with ffmpeg -f lavfi -i sine=frequency=440:duration=3:sample_rate=22050 -ac 1
// -c:a libmp3lame -b:a 24k -write_xing 0 -id3v2_version 0.
//
//go:embed testdata/tone.mp3
var ToneMP3 []byte

// TTSChunkBytes is the size of the chunks POST /v1/tts writes its audio in.
const TTSChunkBytes = 4 << 10

// HoldTTS makes the audio answers of POST /v1/tts stop after their first chunk until release is
// called (or the request ends): a test sees what the page does with the audio that has arrived
// before the rest is sent. It holds the answers that start before release; calling release again
// does nothing.
func (s *Server) HoldTTS() (release func()) {
	hold := make(chan struct{})
	s.mu.Lock()
	s.ttsHold = hold
	s.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if s.ttsHold == hold {
				s.ttsHold = nil
			}
			s.mu.Unlock()
			close(hold)
		})
	}
}

// serveTTS answers POST /v1/tts (see "Text to speech" in the package doc): a WAV tone of a length
// that follows the text, written in [TTSChunkBytes] chunks [Server.ChunkDelay] apart, without a
// Content-Length, as a provider streams audio.
func (s *Server) serveTTS(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model string `json:"model"`
		Text  string `json:"text"`
	}
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	scenario, arg := parseScenario(req.Text)
	seconds := min(0.5+float64(len([]rune(req.Text)))/20, 10)
	audio := WAV(seconds)
	ct := "audio/wav"
	switch scenario {
	case "":
	case "json":
		writeJSON(w, http.StatusOK, map[string]any{"audio": fileURL(r, fmt.Sprintf("speech-%d.wav", s.seq.Add(1))),
			"meta": map[string]any{"usage": map[string]any{"credits_used": 2100, "usd_spent": 0.00105}}})
		return
	case "wrongtype":
		ct = "text/html"
	case "mp3":
		audio, ct = ToneMP3, "audio/mpeg"
	case "reset":
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(audio[:len(audio)/3])
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	case "error":
		s.answerScenarioError(w, r, arg, req.Model)
		return
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown fake text-to-speech scenario %q.", scenario), "invalid_request_error", "")
		return
	}
	s.mu.Lock()
	hold := s.ttsHold
	s.mu.Unlock()
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for i := 0; i < len(audio); i += TTSChunkBytes {
		if i > 0 && !s.wait(r.Context(), s.ChunkDelay) {
			return
		}
		if i == TTSChunkBytes && hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				s.noteCancelled()
				return
			}
		}
		if _, err := w.Write(audio[i:min(i+TTSChunkBytes, len(audio))]); err != nil {
			return
		}
		_ = rc.Flush()
	}
}
