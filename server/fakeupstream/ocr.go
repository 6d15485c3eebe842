package fakeupstream

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// OCRPages is how many pages the fake's OCR reads from any document.
const OCRPages = 3

// OCRMarkdown is the markdown of page i of every document the fake reads: a heading, a
// paragraph, a table and a reference to the page's extracted image.
func OCRMarkdown(i int) string {
	return fmt.Sprintf("# Page %d\n\nThe fake upstream read this page.\n\n| Item | Value |\n| ---- | ----- |\n| page | %d |\n\n![img-%d.jpeg](img-%d.jpeg)\n", i+1, i+1, i, i)
}

// OCRHostile is the markdown of page 0 when the document's URL holds "fake:xss".
const OCRHostile = "# Hostile\n\n<script>window.__ocrXSS = 1</script>\n\n<img src=x onerror=\"window.__ocrXSS = 2\">\n\n[click](javascript:window.__ocrXSS=3)\n\n![x](javascript:window.__ocrXSS=4)\n"

// serveOCR answers POST /v1/ocr (see "OCR" in the package doc).
func (s *Server) serveOCR(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model    string `json:"model"`
		Document struct {
			Type        string `json:"type"`
			DocumentURL string `json:"document_url"`
			ImageURL    string `json:"image_url"`
		} `json:"document"`
		Pages        any  `json:"pages"`
		IncludeImage bool `json:"include_image_base64"`
	}
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	src := req.Document.DocumentURL + req.Document.ImageURL
	if src == "" {
		writeError(w, http.StatusBadRequest, "document: a document_url or an image_url is required.", "invalid_request_error", "invalid_value")
		return
	}
	if rest, ok := strings.CutPrefix(src, "fake:error"); ok {
		s.answerScenarioError(w, r, strings.TrimSpace(rest), req.Model)
		return
	}
	want := map[int]bool{}
	if list, ok := req.Pages.([]any); ok {
		for _, v := range list {
			if f, ok := v.(float64); ok {
				want[int(f)] = true
			}
		}
	}
	pages := []map[string]any{}
	for i := range OCRPages {
		if len(want) > 0 && !want[i] {
			continue
		}
		md := OCRMarkdown(i)
		if i == 0 && strings.Contains(src, "fake:xss") {
			md = OCRHostile
		}
		var data any
		if req.IncludeImage {
			data = "data:image/png;base64," + base64.StdEncoding.EncodeToString(FilePNG(fmt.Sprintf("ocr-%d.png", i)))
		}
		pages = append(pages, map[string]any{
			"index": i, "markdown": md,
			"images": []map[string]any{{"id": fmt.Sprintf("img-%d.jpeg", i), "top_left_x": 100, "top_left_y": 300,
				"bottom_right_x": 500, "bottom_right_y": 700, "image_base64": data}},
			"dimensions": map[string]any{"dpi": 200, "height": 1100, "width": 850},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"pages": pages, "model": req.Model,
		"usage_info": map[string]any{"pages_processed": len(pages), "doc_size_bytes": 12345}})
}
