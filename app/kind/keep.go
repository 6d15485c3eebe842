package kind

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// What the browser's history keeps of the runs of kinds that are not conversations. It must stay
// small (the history shares about 4 MB of localStorage between 50 entries), so files are kept by
// URL only, never their bytes, and vectors by a summary of what the run area shows.

// keptImage is one file of a kept images result.
type keptImage struct {
	URL           string `json:"url"`
	Media         string `json:"media,omitempty"`
	ContentType   string `json:"content_type,omitempty"`
	Width         int    `json:"width,omitempty"`
	Height        int    `json:"height,omitempty"`
	RevisedPrompt string `json:"revised_prompt,omitempty"`
}

type keptImages struct {
	Images []keptImage `json:"images"`
	// Inline counts the files that came as base64 and are not kept.
	Inline int    `json:"inline,omitempty"`
	Seed   *int64 `json:"seed,omitempty"`
	Usage  Usage  `json:"usage"`
}

// KeepImages is r as the history keeps it: the files that came by URL, with the server's media
// path for each, and the number of files that came inline (base64), which are left out.
func KeepImages(r ImageResult) json.RawMessage {
	k := keptImages{Images: []keptImage{}, Seed: r.Seed, Usage: r.Usage}
	for _, im := range r.Images {
		if im.URL == "" {
			k.Inline++
			continue
		}
		k.Images = append(k.Images, keptImage{URL: im.URL, Media: im.Proxied, ContentType: im.ContentType,
			Width: im.Width, Height: im.Height, RevisedPrompt: im.RevisedPrompt})
	}
	b, _ := json.Marshal(k) // plain strings and numbers: it cannot fail
	return b
}

// KeptImages reads what [KeepImages] wrote: the result, and the number of files left out. A media
// path is taken only when it is the server's own (/api/media/…): what the history holds is the
// browser's storage, which the page does not trust further.
func KeptImages(raw json.RawMessage) (ImageResult, int, error) {
	var k keptImages
	if err := json.Unmarshal(raw, &k); err != nil {
		return ImageResult{}, 0, fmt.Errorf("kept images: %w", err)
	}
	r := ImageResult{Seed: k.Seed, Usage: k.Usage}
	for i, im := range k.Images {
		if im.URL == "" {
			return ImageResult{}, 0, fmt.Errorf("kept images: images[%d].url: is required", i)
		}
		kept := Image{URL: im.URL, ContentType: im.ContentType, Width: im.Width, Height: im.Height, RevisedPrompt: im.RevisedPrompt}
		if strings.HasPrefix(im.Media, "/api/media/") && !strings.ContainsAny(im.Media, "?#\\") {
			kept.Proxied = im.Media
		}
		r.Images = append(r.Images, kept)
	}
	return r, max(k.Inline, 0), nil
}

// SummaryPoints is the most values of a vector an [EmbeddingSummary] keeps for its shape.
const SummaryPoints = 200

// VectorSummary is what the run area shows of one vector.
type VectorSummary struct {
	// Index is the input the vector embeds.
	Index int `json:"index"`
	// Dimension is the number of components.
	Dimension int `json:"dimension"`
	// Norm is the Euclidean length.
	Norm float64 `json:"norm"`
	// First holds the first components (at most 4).
	First []float64 `json:"first"`
	// Shape holds evenly spaced components (at most SummaryPoints), for a sparkline.
	Shape []float64 `json:"shape"`
}

// EmbeddingSummary is what the run area shows of an embeddings answer, and what the history keeps
// of it: per vector its dimension, norm, first values and shape, and the cosine similarity of
// every pair, all rounded to 4 decimals.
type EmbeddingSummary struct {
	Vectors    []VectorSummary `json:"vectors"`
	Similarity [][]float64     `json:"similarity,omitempty"`
	Model      string          `json:"model,omitempty"`
	Usage      Usage           `json:"usage"`
}

// Summarize makes the summary of an embeddings answer.
func Summarize(r EmbeddingResult) EmbeddingSummary {
	s := EmbeddingSummary{Vectors: make([]VectorSummary, len(r.Vectors)), Model: r.Model, Usage: r.Usage}
	for i, v := range r.Vectors {
		vs := VectorSummary{Index: v.Index, Dimension: len(v.Values), Norm: round4(v.Norm()), First: []float64{}, Shape: []float64{}}
		for j := 0; j < len(v.Values) && j < 4; j++ {
			vs.First = append(vs.First, round4(v.Values[j]))
		}
		step := max(1, (len(v.Values)+SummaryPoints-1)/SummaryPoints)
		for j := 0; j < len(v.Values); j += step {
			vs.Shape = append(vs.Shape, round4(v.Values[j]))
		}
		s.Vectors[i] = vs
	}
	if len(r.Vectors) > 1 {
		s.Similarity = Similarity(r.Vectors)
		for _, row := range s.Similarity {
			for j := range row {
				row[j] = round4(row[j])
			}
		}
	}
	return s
}

// ReadSummary reads a summary the history kept, checking that it is whole: a similarity matrix,
// when there is one, is square with a row per vector.
func ReadSummary(raw json.RawMessage) (EmbeddingSummary, error) {
	var s EmbeddingSummary
	if err := json.Unmarshal(raw, &s); err != nil {
		return EmbeddingSummary{}, fmt.Errorf("kept embeddings: %w", err)
	}
	if s.Similarity != nil {
		if len(s.Similarity) != len(s.Vectors) {
			return EmbeddingSummary{}, fmt.Errorf("kept embeddings: similarity: %d rows for %d vectors", len(s.Similarity), len(s.Vectors))
		}
		for i, row := range s.Similarity {
			if len(row) != len(s.Vectors) {
				return EmbeddingSummary{}, fmt.Errorf("kept embeddings: similarity[%d]: %d values for %d vectors", i, len(row), len(s.Vectors))
			}
		}
	}
	return s, nil
}

// round4 rounds to 4 decimals (NaN and infinities, which JSON cannot hold, become 0).
func round4(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return math.Round(x*1e4) / 1e4
}
