package kind

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestKeepImagesKeepsURLsNotBytes(t *testing.T) {
	answer := `{"data":[{"url":"https://files.example/a.png","revised_prompt":"a cat"},{"b64_json":"` +
		strings.Repeat("A", 40000) + `"},{"url":"https://files.example/b.glb"}],"seed":7,
		"playground_media":{"https://files.example/a.png":"/api/media/tok1"},"meta":{"usage":{"credits_used":12,"usd_spent":0.01}}}`
	r, err := ParseImages([]byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	kept := KeepImages(r)
	if len(kept) > 600 {
		t.Errorf("kept %d bytes; the base64 image must not be kept: %s", len(kept), kept)
	}
	back, inline, err := KeptImages(kept)
	if err != nil {
		t.Fatal(err)
	}
	if inline != 1 || len(back.Images) != 2 {
		t.Fatalf("inline %d, images %d; want 1 and 2", inline, len(back.Images))
	}
	if back.Images[0].Proxied != "/api/media/tok1" || back.Images[0].RevisedPrompt != "a cat" || back.Images[0].Display() != "/api/media/tok1" {
		t.Errorf("first image %+v", back.Images[0])
	}
	if !back.Images[1].Is3D() || back.Images[1].Display() != "" {
		t.Errorf("the 3D file came back as %+v", back.Images[1])
	}
	if back.Seed == nil || *back.Seed != 7 || back.Usage.Credits != 12 || back.Usage.USD != 0.01 {
		t.Errorf("seed %v usage %+v", back.Seed, back.Usage)
	}
}

func TestKeptImagesRefuses(t *testing.T) {
	tests := []struct {
		name, raw string
		wantErr   string // "" for none
		proxied   string
	}{
		{"not JSON", `{`, "kept images", ""},
		{"an image without its URL", `{"images":[{"media":"/api/media/x"}]}`, "images[0].url: is required", ""},
		{"a media path of another origin is not shown", `{"images":[{"url":"https://a/b.png","media":"https://evil.example/x"}]}`, "", ""},
		{"a media path with a query is not shown", `{"images":[{"url":"https://a/b.png","media":"/api/media/x?u=1"}]}`, "", ""},
		{"the server's media path is shown", `{"images":[{"url":"https://a/b.png","media":"/api/media/x"}]}`, "", "/api/media/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _, err := KeptImages(json.RawMessage(tt.raw))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Images[0].Proxied; got != tt.proxied {
				t.Errorf("proxied = %q, want %q", got, tt.proxied)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	long := make([]float64, 1536)
	for i := range long {
		long[i] = math.Sin(float64(i))
	}
	r := EmbeddingResult{Vectors: []Vector{{Index: 0, Values: []float64{3, 4}}, {Index: 1, Values: []float64{4, 3}}}, Model: "m",
		Usage: Usage{PromptTokens: 5, TotalTokens: 5}}
	s := Summarize(r)
	want := EmbeddingSummary{Vectors: []VectorSummary{
		{Index: 0, Dimension: 2, Norm: 5, First: []float64{3, 4}, Shape: []float64{3, 4}},
		{Index: 1, Dimension: 2, Norm: 5, First: []float64{4, 3}, Shape: []float64{4, 3}},
	}, Similarity: [][]float64{{1, 0.96}, {0.96, 1}}, Model: "m", Usage: Usage{PromptTokens: 5, TotalTokens: 5}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Summarize = %+v\nwant        %+v", s, want)
	}
	big := Summarize(EmbeddingResult{Vectors: []Vector{{Values: long}}})
	if v := big.Vectors[0]; v.Dimension != 1536 || len(v.First) != 4 || len(v.Shape) > SummaryPoints || len(v.Shape) < SummaryPoints/2 {
		t.Errorf("a 1536-dimension vector: dimension %d, %d first values, %d shape points", v.Dimension, len(v.First), len(v.Shape))
	}
	if big.Similarity != nil {
		t.Errorf("one vector has no similarity matrix: %v", big.Similarity)
	}
	raw, _ := json.Marshal(big)
	if len(raw) > 3000 {
		t.Errorf("the summary of one 1536-dimension vector takes %d bytes", len(raw))
	}
	back, err := ReadSummary(raw)
	if err != nil || !reflect.DeepEqual(back, big) {
		t.Errorf("ReadSummary(Summarize) = %+v, %v", back, err)
	}
}

func TestReadSummaryRefusesABrokenMatrix(t *testing.T) {
	for _, raw := range []string{
		`{"vectors":[{"index":0},{"index":1}],"similarity":[[1,0]]}`,
		`{"vectors":[{"index":0},{"index":1}],"similarity":[[1,0],[0]]}`,
		`[]`,
	} {
		if _, err := ReadSummary(json.RawMessage(raw)); err == nil {
			t.Errorf("ReadSummary(%s) took it", raw)
		}
	}
}

func FuzzKept(f *testing.F) {
	f.Add([]byte(`{"images":[{"url":"https://a/b.png","media":"/api/media/x"}],"inline":2,"seed":3}`))
	f.Add([]byte(`{"vectors":[{"index":0,"dimension":2,"norm":1,"first":[1],"shape":[1]}],"similarity":[[1]]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, inline, err := KeptImages(b); err == nil {
			if inline < 0 {
				t.Fatal("negative inline count")
			}
			for _, im := range r.Images {
				if im.URL == "" || (im.Proxied != "" && !strings.HasPrefix(im.Proxied, "/api/media/")) {
					t.Fatalf("kept image %+v", im)
				}
			}
		}
		if s, err := ReadSummary(b); err == nil && s.Similarity != nil {
			for _, row := range s.Similarity {
				if len(row) != len(s.Vectors) {
					t.Fatal("a ragged matrix was taken")
				}
			}
		}
	})
}
