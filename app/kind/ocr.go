package kind

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"playground/app/schema"
)

// OCR is document OCR (`/v1/ocr`, Mistral's shape): a document (a PDF or an image, by URL) in;
// per page its markdown, its extracted images with their boxes, and its size out.
var OCR Kind = &ocrKind{base{name: "ocr", label: "OCR", group: "ocr", mode: Sync, paths: []string{"/v1/ocr"}}}

type ocrKind struct{ base }

// Prepare gives the model to the picker and the document to the run area.
func (k *ocrKind) Prepare(op *schema.Operation) {
	ownModel(op)
	op.Own("document", "")
}

func (k *ocrKind) Runs() bool { return true }

// OCRResult is an OCR answer.
type OCRResult struct {
	// Pages are the pages read, in the answer's order.
	Pages []OCRPage
	// Usage is what the answer reports.
	Usage Usage
}

// OCRPage is one page of an OCR answer.
type OCRPage struct {
	// Index is the page's index in the document, from 0.
	Index int
	// Markdown is the page's text as the model wrote it (untrusted: see SafeMarkdown).
	Markdown string
	// Images are the images extracted from the page.
	Images []OCRImage
	// Width, Height and DPI are the page's size in pixels and resolution, when given.
	Width, Height, DPI int
}

// OCRImage is an image extracted from a page, in its box on the page (pixels).
type OCRImage struct {
	ID             string
	X0, Y0, X1, Y1 int
	// Data is the image as a data URL of a PNG, JPEG, WebP or GIF, when the answer includes
	// it (include_image_base64); "" otherwise.
	Data string
}

// HasBox reports whether the image's box lies within a page of w×h pixels and is not empty.
func (im OCRImage) HasBox(w, h int) bool {
	return w > 0 && h > 0 && im.X0 >= 0 && im.Y0 >= 0 && im.X1 > im.X0 && im.Y1 > im.Y0 && im.X1 <= w && im.Y1 <= h
}

// ParseOCR reads an OCR answer: {"pages": [{"index", "markdown", "images": [{"id",
// "top_left_x", "top_left_y", "bottom_right_x", "bottom_right_y", "image_base64"}],
// "dimensions": {"dpi", "height", "width"}}], "usage_info"}. An answer without pages is an
// error.
func ParseOCR(body []byte) (OCRResult, error) {
	type image struct {
		ID     string  `json:"id"`
		X0     *number `json:"top_left_x"`
		Y0     *number `json:"top_left_y"`
		X1     *number `json:"bottom_right_x"`
		Y1     *number `json:"bottom_right_y"`
		Base64 string  `json:"image_base64"`
	}
	var doc struct {
		Pages []struct {
			Index      int     `json:"index"`
			Markdown   string  `json:"markdown"`
			Images     []image `json:"images"`
			Dimensions *struct {
				DPI    int `json:"dpi"`
				Height int `json:"height"`
				Width  int `json:"width"`
			} `json:"dimensions"`
		} `json:"pages"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return OCRResult{}, fmt.Errorf("the answer is not an OCR response: %w", err)
	}
	if len(doc.Pages) == 0 {
		return OCRResult{}, fmt.Errorf("the answer holds no page")
	}
	r := OCRResult{Usage: ReadUsage(body)}
	n := func(p *number) int {
		if p == nil {
			return -1
		}
		return int(*p)
	}
	for _, p := range doc.Pages {
		pg := OCRPage{Index: p.Index, Markdown: p.Markdown}
		if d := p.Dimensions; d != nil && d.Width > 0 && d.Height > 0 {
			pg.Width, pg.Height, pg.DPI = d.Width, d.Height, d.DPI
		}
		for _, im := range p.Images {
			o := OCRImage{ID: im.ID, X0: n(im.X0), Y0: n(im.Y0), X1: n(im.X1), Y1: n(im.Y1), Data: imageDataURL(im.Base64)}
			pg.Images = append(pg.Images, o)
		}
		r.Pages = append(r.Pages, pg)
	}
	return r, nil
}

// imageDataURL returns s when it is a data URL of a PNG, JPEG, WebP or GIF image (providers
// send it with or without the data: prefix; bare base64 is read as JPEG only when its bytes say
// so), else "".
func imageDataURL(s string) string {
	s = strings.TrimSpace(s)
	for _, t := range []string{"image/png", "image/jpeg", "image/webp", "image/gif"} {
		if strings.HasPrefix(s, "data:"+t+";base64,") {
			return s
		}
	}
	if strings.HasPrefix(s, "/9j/") { // JPEG's FF D8 FF in base64
		return "data:image/jpeg;base64," + s
	}
	if strings.HasPrefix(s, "iVBORw0KGgo") { // PNG's signature
		return "data:image/png;base64," + s
	}
	return ""
}

// markdownImage matches a markdown image, ![alt](destination "title").
var markdownImage = regexp.MustCompile(`!\[([^\]]*)\]\(([^)\s]*)(?:\s+"[^"]*")?\)`)

// SafeMarkdown is the page's markdown with every image reference replaced by its name in
// brackets: the page draws the extracted images itself, in their boxes, and loads nothing the
// model points to (a relative name would be fetched from the playground's own origin).
func (p OCRPage) SafeMarkdown() string {
	return markdownImage.ReplaceAllStringFunc(p.Markdown, func(m string) string {
		sub := markdownImage.FindStringSubmatch(m)
		name := strings.TrimSpace(sub[1])
		if name == "" {
			name = sub[2]
		}
		return "*[image: " + strings.NewReplacer("*", "", "[", "", "]", "").Replace(name) + "]*"
	})
}
