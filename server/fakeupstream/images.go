package fakeupstream

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// BigImageBase64 is the length of the base64 the "fake:big" images scenario answers: 20 MiB of
// base64 (15 MiB of bytes).
const BigImageBase64 = 20 << 20

// maxImages is the largest n the images routes accept, as OpenAI's.
const maxImages = 10

// imagePrice is what one fake image costs, in US dollars; credits are 2,000,000 to the dollar,
// as for chat.
const imagePrice = 0.003

// imagesRequest is the part of an images request the fake reads.
type imagesRequest struct {
	Model          string   `json:"model"`
	Prompt         string   `json:"prompt"`
	N              *float64 `json:"n"`
	ResponseFormat string   `json:"response_format"`
}

// imageItem is one entry of an images answer's data.
type imageItem struct {
	URL           string `json:"url,omitempty"`
	B64JSON       string `json:"b64_json,omitempty"`
	RevisedPrompt string `json:"revised_prompt,omitempty"`
}

// serveImages answers POST /v1/images/generations, /v1/images/generations/with-url and
// /v1/images/edits.
func (s *Server) serveImages(w http.ResponseWriter, r *http.Request, body []byte) {
	var req imagesRequest
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	n := 1
	if req.N != nil {
		if *req.N != math.Trunc(*req.N) || *req.N < 1 || *req.N > maxImages {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("n: must be a whole number from 1 to %d, not %v.", maxImages, *req.N), "invalid_request_error", "invalid_value")
			return
		}
		n = int(*req.N)
	}
	b64 := false
	switch req.ResponseFormat {
	case "", "url":
	case "b64_json":
		b64 = true
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("response_format: must be \"url\" or \"b64_json\", not %q.", req.ResponseFormat), "invalid_request_error", "invalid_value")
		return
	}
	name, arg := parseScenario(req.Prompt)
	switch name {
	case "":
	case "error":
		s.answerScenarioError(w, r, arg, req.Model)
		return
	case "empty201":
		w.WriteHeader(http.StatusCreated)
		return
	case "big":
		s.writeBigImage(w, r)
		return
	case "3d":
		writeImages(w, []imageItem{{URL: fileURL(r, "model.glb")}})
		return
	case "slow":
		if !s.wait(r.Context(), s.SlowDelay) {
			return
		}
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown fake images scenario %q; known: error NNN, empty201, big, 3d, slow.", name), "invalid_request_error", "")
		return
	}
	data := make([]imageItem, n)
	for i := range data {
		file := fmt.Sprintf("img-%d.png", s.images.Add(1))
		data[i].RevisedPrompt = req.Prompt
		if b64 {
			data[i].B64JSON = base64.StdEncoding.EncodeToString(FilePNG(file))
		} else {
			data[i].URL = fileURL(r, file)
		}
	}
	writeImages(w, data)
}

// writeImages writes an images answer with AI/ML API's usage block.
func writeImages(w http.ResponseWriter, data []imageItem) {
	usd := imagePrice * float64(len(data))
	writeJSON(w, http.StatusOK, map[string]any{
		"created": time.Now().Unix(),
		"data":    data,
		"meta":    map[string]any{"usage": map[string]any{"credits_used": math.Round(usd * 2e6), "usd_spent": usd}},
	})
}

// fileURL is the absolute URL of a file on the fake's file host, as the request reached it.
func fileURL(r *http.Request, name string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + filesPrefix + name
}

// bigImage is the base64 of "fake:big": BigImageBase64 characters of deterministic random
// bytes, made once, when first asked for.
var bigImage = sync.OnceValue(func() []byte {
	raw := make([]byte, BigImageBase64/4*3)
	_, _ = rand.NewChaCha8([32]byte{'f', 'a', 'k', 'e', ':', 'b', 'i', 'g'}).Read(raw)
	out := make([]byte, BigImageBase64)
	base64.StdEncoding.Encode(out, raw)
	return out
})

// writeBigImage answers "fake:big": one b64_json image of BigImageBase64 characters.
func (s *Server) writeBigImage(w http.ResponseWriter, r *http.Request) {
	usd := imagePrice
	head := fmt.Appendf(nil, `{"created":%d,"data":[{"b64_json":"`, time.Now().Unix())
	tail := fmt.Appendf(nil, `"}],"meta":{"usage":{"credits_used":%v,"usd_spent":%v}}}`+"\n", math.Round(usd*2e6), usd)
	big := bigImage()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(head)+len(big)+len(tail)))
	w.WriteHeader(http.StatusOK)
	for _, b := range [][]byte{head, big, tail} {
		if _, err := w.Write(b); err != nil {
			if r.Context().Err() != nil {
				s.noteCancelled()
			}
			return
		}
	}
}
