package fakeupstream

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"net/http"
	"unicode/utf8"
)

// DefaultDimensions is the length of an embedding when the request names no "dimensions".
const DefaultDimensions = 8

// maxDimensions is the largest "dimensions" the fake accepts.
const maxDimensions = 4096

// embeddingsRequest is the part of an embeddings request the fake reads.
type embeddingsRequest struct {
	Model          string          `json:"model"`
	Input          json.RawMessage `json:"input"`
	Dimensions     *int            `json:"dimensions"`
	EncodingFormat string          `json:"encoding_format"`
}

// texts returns the inputs: one string, or each item of a list (an item that is not a string,
// such as a list of token ids, by its JSON text).
func (req *embeddingsRequest) texts() ([]string, error) {
	var one string
	if json.Unmarshal(req.Input, &one) == nil {
		return []string{one}, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(req.Input, &list); err != nil || len(list) == 0 {
		return nil, fmt.Errorf("input: must be a string or a non-empty list of strings")
	}
	out := make([]string, len(list))
	for i, item := range list {
		if json.Unmarshal(item, &out[i]) != nil {
			var b bytes.Buffer
			_ = json.Compact(&b, item)
			out[i] = b.String()
		}
	}
	return out, nil
}

// Embedding returns the fake's embedding of text with dims values: normally distributed values
// drawn from a PCG generator seeded with the FNV-1a hash of the text, scaled to unit length (in
// float64, then rounded to float32, as the base64 encoding sends them).
func Embedding(text string, dims int) []float32 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(text))
	seed := h.Sum64()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	v := make([]float64, dims)
	var sum float64
	for i := range v {
		v[i] = rng.NormFloat64()
		sum += v[i] * v[i]
	}
	norm := math.Sqrt(sum)
	out := make([]float32, dims)
	for i, x := range v {
		out[i] = float32(x / norm)
	}
	return out
}

// serveEmbeddings answers POST /v1/embeddings.
func (s *Server) serveEmbeddings(w http.ResponseWriter, r *http.Request, body []byte) {
	var req embeddingsRequest
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	texts, err := req.texts()
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "invalid_request_error", "invalid_value")
		return
	}
	dims := DefaultDimensions
	if req.Dimensions != nil {
		if *req.Dimensions < 1 || *req.Dimensions > maxDimensions {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("dimensions: must be from 1 to %d, not %d.", maxDimensions, *req.Dimensions), "invalid_request_error", "invalid_value")
			return
		}
		dims = *req.Dimensions
	}
	b64 := false
	switch req.EncodingFormat {
	case "", "float":
	case "base64":
		b64 = true
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("encoding_format: must be \"float\" or \"base64\", not %q.", req.EncodingFormat), "invalid_request_error", "invalid_value")
		return
	}
	for _, t := range texts {
		switch name, arg := parseScenario(t); name {
		case "":
		case "error":
			s.answerScenarioError(w, r, arg, req.Model)
			return
		case "slow":
			if !s.wait(r.Context(), s.SlowDelay) {
				return
			}
		default:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown fake embeddings scenario %q; known: error NNN, slow.", name), "invalid_request_error", "")
			return
		}
	}
	type item struct {
		Object    string `json:"object"`
		Index     int    `json:"index"`
		Embedding any    `json:"embedding"`
	}
	data := make([]item, len(texts))
	chars := 0
	for i, t := range texts {
		chars += utf8.RuneCountInString(t)
		v := Embedding(t, dims)
		data[i] = item{Object: "embedding", Index: i, Embedding: v}
		if b64 {
			raw := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(raw[4*j:], math.Float32bits(x))
			}
			data[i].Embedding = base64.StdEncoding.EncodeToString(raw)
		}
	}
	tokens := (chars + 3) / 4
	writeJSON(w, http.StatusOK, map[string]any{
		"object": "list",
		"data":   data,
		"model":  req.Model,
		"usage":  map[string]int{"prompt_tokens": tokens, "total_tokens": tokens},
	})
}
