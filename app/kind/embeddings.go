package kind

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"

	"playground/app/schema"
)

// Embeddings is `/v1/embeddings`: one or more texts in, one vector each out.
var Embeddings Kind = &embeddingsKind{base{name: "embeddings", label: "Embeddings", group: "embedding",
	paths: []string{"/v1/embeddings"}, mode: Sync, sdk: map[string]string{"/v1/embeddings": "embeddings.create"}}}

type embeddingsKind struct{ base }

// Prepare gives the model to the picker and `input` to the run area's list of texts.
func (k *embeddingsKind) Prepare(op *schema.Operation) {
	ownModel(op)
	op.Own("input", "")
}

func (k *embeddingsKind) Runs() bool { return true }

// Vector is one embedding of an answer.
type Vector struct {
	// Index is the input it embeds.
	Index int
	// Values are the vector's components.
	Values []float64
}

// Norm is the vector's Euclidean length.
func (v Vector) Norm() float64 {
	var s float64
	for _, x := range v.Values {
		s += x * x
	}
	return math.Sqrt(s)
}

// EmbeddingResult is an embeddings answer.
type EmbeddingResult struct {
	// Vectors are ordered by Index.
	Vectors []Vector
	// Model is the model the provider says answered.
	Model string
	// Usage is what the call used.
	Usage Usage
}

// ParseEmbeddings reads an embeddings answer: `data[].embedding` as a list of numbers, or as
// base64 of little-endian float32 values (`encoding_format: "base64"`).
func ParseEmbeddings(body []byte) (EmbeddingResult, error) {
	var r EmbeddingResult
	var doc struct {
		Data []struct {
			Index     *int            `json:"index"`
			Embedding json.RawMessage `json:"embedding"`
		} `json:"data"`
		Model string `json:"model"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return r, fmt.Errorf("the answer is not an embeddings response: %w", err)
	}
	if len(doc.Data) == 0 {
		return r, fmt.Errorf("the answer holds no embedding (data is empty)")
	}
	r.Model, r.Usage = doc.Model, ReadUsage(body)
	r.Vectors = make([]Vector, len(doc.Data))
	for i, d := range doc.Data {
		v := Vector{Index: i}
		if d.Index != nil {
			v.Index = *d.Index
		}
		var err error
		if v.Values, err = decodeVector(d.Embedding); err != nil {
			return r, fmt.Errorf("data[%d].embedding: %w", i, err)
		}
		r.Vectors[i] = v
	}
	for i := 1; i < len(r.Vectors); i++ { // insertion sort: answers are nearly always in order
		for j := i; j > 0 && r.Vectors[j].Index < r.Vectors[j-1].Index; j-- {
			r.Vectors[j], r.Vectors[j-1] = r.Vectors[j-1], r.Vectors[j]
		}
	}
	return r, nil
}

// decodeVector reads a list of numbers or base64 float32s.
func decodeVector(raw json.RawMessage) ([]float64, error) {
	var list []float64
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("neither a list of numbers nor a base64 string")
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("base64: %w", err)
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("base64 holds %d bytes, not a whole number of float32 values", len(b))
	}
	out := make([]float64, len(b)/4)
	for i := range out {
		out[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return out, nil
}

// Cosine is the cosine similarity of two vectors (0 when either is zero or their lengths differ).
func Cosine(a, b []float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// Similarity is the matrix of cosine similarities between every pair of vectors.
func Similarity(vs []Vector) [][]float64 {
	m := make([][]float64, len(vs))
	for i := range vs {
		m[i] = make([]float64, len(vs))
		for j := range vs {
			if i == j {
				m[i][j] = 1
				continue
			}
			m[i][j] = Cosine(vs[i].Values, vs[j].Values)
		}
	}
	return m
}
