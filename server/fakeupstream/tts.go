package fakeupstream

import (
	"fmt"
	"net/http"
)

// TTSChunkBytes is the size of the chunks POST /v1/tts writes its audio in.
const TTSChunkBytes = 4 << 10

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
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	for i := 0; i < len(audio); i += TTSChunkBytes {
		if i > 0 && !s.wait(r.Context(), s.ChunkDelay) {
			return
		}
		if _, err := w.Write(audio[i:min(i+TTSChunkBytes, len(audio))]); err != nil {
			return
		}
		_ = rc.Flush()
	}
}
