package fakeupstream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"testing"
)

// ocrAnswer is an OCR response as the fake sends it; pointers tell a missing member.
type ocrAnswer struct {
	Pages []struct {
		Index    *int   `json:"index"`
		Markdown string `json:"markdown"`
		Images   []struct {
			ID           *string `json:"id"`
			TopLeftX     *int    `json:"top_left_x"`
			TopLeftY     *int    `json:"top_left_y"`
			BottomRightX *int    `json:"bottom_right_x"`
			BottomRightY *int    `json:"bottom_right_y"`
			ImageBase64  *string `json:"image_base64"`
		} `json:"images"`
		Dimensions *struct{ DPI, Height, Width int } `json:"dimensions"`
	} `json:"pages"`
	Model     string `json:"model"`
	UsageInfo *struct {
		PagesProcessed int  `json:"pages_processed"`
		DocSizeBytes   *int `json:"doc_size_bytes"`
	} `json:"usage_info"`
}

func TestOCRMarkdown(t *testing.T) {
	for i := range OCRPages {
		md := OCRMarkdown(i)
		for _, want := range []string{fmt.Sprintf("# Page %d\n", i+1), "\n\nThe fake upstream", "| ---- |", fmt.Sprintf("![img-%d.jpeg](img-%d.jpeg)", i, i)} {
			if !strings.Contains(md, want) {
				t.Errorf("page %d's markdown %q lacks %q", i, md, want)
			}
		}
	}
	for _, want := range []string{"<script>", "onerror=", "](javascript:"} {
		if !strings.Contains(OCRHostile, want) {
			t.Errorf("OCRHostile lacks %q", want)
		}
	}
}

func TestOCR(t *testing.T) {
	_, base, _ := setup(t)
	doc := `"document":{"type":"document_url","document_url":"https://x/a.pdf"}`
	tests := []struct {
		name, body  string
		wantStatus  int
		wantPages   []int
		wantImages  bool
		hostilePage bool
		wantInBody  string
	}{
		{"default", `{"model":"mistral-ocr-latest",` + doc + `}`, 200, []int{0, 1, 2}, false, false, `"image_base64":null`},
		{"images", `{"model":"mistral-ocr-latest",` + doc + `,"include_image_base64":true}`, 200, []int{0, 1, 2}, true, false, `"document_annotation":null`},
		{"images false", `{"model":"m",` + doc + `,"include_image_base64":false}`, 200, []int{0, 1, 2}, false, false, `"image_base64":null`},
		{"image url", `{"model":"m","document":{"type":"image_url","image_url":"https://x/a.png"}}`, 200, []int{0, 1, 2}, false, false, `"model":"m"`},
		{"pages list", `{"model":"m",` + doc + `,"pages":[0,2]}`, 200, []int{0, 2}, false, false, ""},
		{"pages null", `{"model":"m",` + doc + `,"pages":null}`, 200, []int{0, 1, 2}, false, false, ""},
		{"pages one", `{"model":"m",` + doc + `,"pages":1}`, 200, []int{1}, false, false, ""},
		{"pages string", `{"model":"m",` + doc + `,"pages":"2"}`, 200, []int{2}, false, false, ""},
		{"pages range", `{"model":"m",` + doc + `,"pages":"0-1"}`, 200, []int{0, 1}, false, false, ""},
		{"pages commas", `{"model":"m",` + doc + `,"pages":"0, 2"}`, 200, []int{0, 2}, false, false, ""},
		{"pages past the end", `{"model":"m",` + doc + `,"pages":[1,7]}`, 200, []int{1}, false, false, ""},
		{"pages none left", `{"model":"m",` + doc + `,"pages":[9]}`, 200, []int{}, false, false, `"pages_processed":0`},
		{"pages bad", `{"model":"m",` + doc + `,"pages":"two"}`, 400, nil, false, false, "pages:"},
		{"pages backwards", `{"model":"m",` + doc + `,"pages":"2-0"}`, 400, nil, false, false, "not a range"},
		{"xss", `{"model":"m","document":{"type":"document_url","document_url":"https://x/fake:xss.pdf"}}`, 200, []int{0, 1, 2}, false, true, ""},
		{"xss with pages", `{"model":"m","document":{"type":"document_url","document_url":"https://x/fake:xss.pdf"},"pages":[0,2]}`, 200, []int{0, 2}, false, true, ""},
		{"xss skipped", `{"model":"m","document":{"type":"document_url","document_url":"https://x/fake:xss.pdf"},"pages":[1]}`, 200, []int{1}, false, false, ""},
		{"error 429", `{"model":"m","document":{"type":"document_url","document_url":"fake:error 429"}}`, 429, nil, false, false, "rate_limit_exceeded"},
		{"no document", `{"model":"m","document":{}}`, 400, nil, false, false, "document_url or an image_url"},
		{"no model", `{` + doc + `}`, 400, nil, false, false, "model parameter"},
		{"bad document", `{"model":"m","document":7}`, 400, nil, false, false, "could not parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "POST", base+"/v1/ocr", "", []byte(tt.body))
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantInBody) {
				t.Fatalf("%d %.400s, want %d with %s", resp.StatusCode, body, tt.wantStatus, tt.wantInBody)
			}
			if tt.wantStatus != 200 {
				return
			}
			var out ocrAnswer
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, p := range out.Pages {
				if p.Index == nil || p.Dimensions == nil || len(p.Images) != 1 {
					t.Fatalf("page %.300s", body)
				}
				got = append(got, *p.Index)
				img := p.Images[0]
				if img.ID == nil || *img.ID != fmt.Sprintf("img-%d.jpeg", *p.Index) || img.TopLeftX == nil || img.TopLeftY == nil || img.BottomRightX == nil || img.BottomRightY == nil ||
					*img.BottomRightX <= *img.TopLeftX || *img.BottomRightY <= *img.TopLeftY || *img.BottomRightX > p.Dimensions.Width || *img.BottomRightY > p.Dimensions.Height || p.Dimensions.DPI <= 0 {
					t.Fatalf("page %d's image %+v in %+v", *p.Index, img, p.Dimensions)
				}
				if (img.ImageBase64 != nil) != tt.wantImages {
					t.Fatalf("page %d: image_base64 %v, want it set %v", *p.Index, img.ImageBase64, tt.wantImages)
				}
				if tt.wantImages {
					data, ok := strings.CutPrefix(*img.ImageBase64, "data:image/png;base64,")
					raw, err := base64.StdEncoding.DecodeString(data)
					if !ok || err != nil {
						t.Fatalf("image_base64 %.60q: %v", *img.ImageBase64, err)
					}
					if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
						t.Fatalf("image_base64 is not a PNG: %v", err)
					}
				}
				want := OCRMarkdown(*p.Index)
				if tt.hostilePage && *p.Index == 0 {
					want = OCRHostile
				}
				if p.Markdown != want {
					t.Fatalf("page %d: markdown %q, want %q", *p.Index, p.Markdown, want)
				}
			}
			if !slices.Equal(got, tt.wantPages) && (len(got) != 0 || len(tt.wantPages) != 0) {
				t.Fatalf("pages %v, want %v", got, tt.wantPages)
			}
			if out.Model == "" || out.UsageInfo == nil || out.UsageInfo.PagesProcessed != len(tt.wantPages) || out.UsageInfo.DocSizeBytes == nil {
				t.Fatalf("model %q, usage_info %+v", out.Model, out.UsageInfo)
			}
		})
	}
}
