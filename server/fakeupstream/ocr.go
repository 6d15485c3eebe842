package fakeupstream

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
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

// ocrPrice is what the fake charges per page read, in US dollars.
const ocrPrice = 0.001

// ocrDocument is the "document" of an OCR request: {"type", "document_url"} or {"type",
// "image_url"}, or, from a multipart form, a URL or data URL as a string.
type ocrDocument struct {
	Type        string `json:"type"`
	DocumentURL string `json:"document_url"`
	ImageURL    string `json:"image_url"`
}

// UnmarshalJSON reads a document object, or a string as its document_url.
func (d *ocrDocument) UnmarshalJSON(b []byte) error {
	var url string
	if err := json.Unmarshal(b, &url); err == nil {
		*d = ocrDocument{Type: "document_url", DocumentURL: url}
		return nil
	}
	type plain ocrDocument
	if err := json.Unmarshal(b, (*plain)(d)); err != nil {
		return fmt.Errorf("document: %w", err)
	}
	return nil
}

// ocrPageSet reads an OCR request's "pages": null or absent (every page), a list of indexes, one
// index, or a string of indexes and ranges ("3", "0-2", "0,2"). It returns nil for every page.
func ocrPageSet(raw json.RawMessage) (map[int]bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []int
	if err := json.Unmarshal(raw, &list); err == nil {
		set := map[int]bool{}
		for _, i := range list {
			set[i] = true
		}
		return set, nil
	}
	var one int
	if err := json.Unmarshal(raw, &one); err == nil {
		return map[int]bool{one: true}, nil
	}
	var spec string
	if err := json.Unmarshal(raw, &spec); err != nil {
		return nil, fmt.Errorf("pages: must be a list of page indexes or a string such as \"0-2\": %w", err)
	}
	set := map[int]bool{}
	for item := range strings.SplitSeq(spec, ",") {
		from, to, isRange := strings.Cut(strings.TrimSpace(item), "-")
		a, err := strconv.Atoi(strings.TrimSpace(from))
		if err != nil {
			return nil, fmt.Errorf("pages: %q: %w", item, err)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(strings.TrimSpace(to)); err != nil {
				return nil, fmt.Errorf("pages: %q: %w", item, err)
			}
		}
		if b < a || b-a > 1000 {
			return nil, fmt.Errorf("pages: %q is not a range of pages", item)
		}
		for i := a; i <= b; i++ {
			set[i] = true
		}
	}
	return set, nil
}

// serveOCR answers POST /v1/ocr (see "OCR" in the package doc).
func (s *Server) serveOCR(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model        string          `json:"model"`
		Document     ocrDocument     `json:"document"`
		File         ocrDocument     `json:"file"` // a multipart form's file part
		Pages        json.RawMessage `json:"pages"`
		IncludeImage *bool           `json:"include_image_base64"`
	}
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	src := req.Document.DocumentURL + req.Document.ImageURL
	if src == "" {
		src = req.File.DocumentURL
	}
	if src == "" {
		writeError(w, http.StatusBadRequest, "document: a document_url or an image_url is required.", "invalid_request_error", "invalid_value")
		return
	}
	if name, arg := parseScenario(src); name == "error" {
		s.answerScenarioError(w, r, arg, req.Model)
		return
	}
	want, err := ocrPageSet(req.Pages)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), "invalid_request_error", "invalid_value")
		return
	}
	size := 12345 // what a document fetched by URL weighs
	if _, data, ok := strings.Cut(src, ";base64,"); ok && strings.HasPrefix(src, "data:") {
		if raw, err := base64.StdEncoding.DecodeString(data); err == nil {
			size = len(raw)
		}
	}
	pages := []map[string]any{}
	for i := range OCRPages {
		if want != nil && !want[i] {
			continue
		}
		md := OCRMarkdown(i)
		if i == 0 && strings.Contains(src, "fake:xss") {
			md = OCRHostile
		}
		var data any
		if req.IncludeImage != nil && *req.IncludeImage {
			data = "data:image/png;base64," + base64.StdEncoding.EncodeToString(FilePNG(fmt.Sprintf("ocr-%d.png", i)))
		}
		pages = append(pages, map[string]any{
			"index": i, "markdown": md,
			"images": []map[string]any{{"id": fmt.Sprintf("img-%d.jpeg", i), "top_left_x": 100, "top_left_y": 300,
				"bottom_right_x": 500, "bottom_right_y": 700, "image_base64": data}},
			"dimensions": map[string]any{"dpi": 200, "height": 1100, "width": 850},
		})
	}
	usd := ocrPrice * float64(len(pages))
	writeJSON(w, http.StatusOK, map[string]any{
		"pages": pages, "model": req.Model, "document_annotation": nil,
		"usage_info": map[string]any{"pages_processed": len(pages), "doc_size_bytes": size},
		"meta":       map[string]any{"usage": map[string]any{"credits_used": math.Round(usd * 2e6), "usd_spent": usd}},
	})
}
