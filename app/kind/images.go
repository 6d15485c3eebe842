package kind

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"playground/app/schema"
)

// Images is image generation and editing (`/v1/images/generations`, its `with-url` variant and
// `/v1/images/edits`): a prompt and parameters in, one JSON answer with the images (URLs or
// base64) out. 3D models answer on the same operation with a mesh file.
var Images Kind = &imagesKind{base{name: "images", label: "Images", group: "image",
	paths: []string{"/v1/images/generations", "/images/generations", "/v1/images/generations/with-url", "/v1/images/edits"},
	mode:  Sync,
	sdk:   map[string]string{"/v1/images/generations": "images.generate", "/v1/images/edits": "images.edit"}}}

type imagesKind struct{ base }

// Prepare gives the model to the picker and the prompt to the run area's prompt box.
func (k *imagesKind) Prepare(op *schema.Operation) {
	ownModel(op)
	op.Own("prompt", "")
}

func (k *imagesKind) Runs() bool { return true }

// Image is one generated image (or 3D mesh) of an answer.
type Image struct {
	// URL is where the provider serves the file; empty when it came as data.
	URL string `json:"url,omitempty"`
	// B64 is the file as base64 (`b64_json`); empty when it came as a URL.
	B64 string `json:"b64_json,omitempty"`
	// ContentType is the file's type when the answer says it, e.g. "image/png".
	ContentType string `json:"content_type,omitempty"`
	// Width and Height are the size in pixels when the answer says it.
	Width  int `json:"width,omitempty"`
	Height int `json:"height,omitempty"`
	// RevisedPrompt is the prompt the model used, when it rewrote the one sent.
	RevisedPrompt string `json:"revised_prompt,omitempty"`
	// Proxied is the playground server's same-origin path for URL, when the server relayed the
	// answer and vouches for the file's host (see [MediaMember]); "" otherwise.
	Proxied string `json:"-"`
}

// MediaMember is the member the playground server adds to an images answer it relays: an
// object mapping each file URL of the answer to a same-origin /api/media/… path the page may
// load (the page's content security policy loads nothing from other hosts).
const MediaMember = "playground_media"

// Display is what the page shows the file from: the server's same-origin path for a URL, or a
// data URL of base64 content; "" for a URL the server did not relay, which the page can only
// link to.
func (im Image) Display() string {
	switch {
	case im.Proxied != "":
		return im.Proxied
	case im.URL == "":
		return im.Source()
	}
	return ""
}

// meshExtensions are the file types of 3D models' answers: they are offered as downloads.
var meshExtensions = map[string]bool{".glb": true, ".gltf": true, ".obj": true, ".ply": true, ".stl": true, ".usdz": true, ".fbx": true}

// Is3D reports whether the file is a 3D mesh rather than a picture: its content type is a
// model/… type, or its URL ends in a mesh format's extension.
func (im Image) Is3D() bool {
	if strings.HasPrefix(im.ContentType, "model/") {
		return true
	}
	if im.URL == "" {
		return false
	}
	u, err := url.Parse(im.URL)
	if err != nil {
		return false
	}
	return meshExtensions[strings.ToLower(path.Ext(u.Path))]
}

// Source is what an <img> or a download link points at: the URL, or a data URL of the base64.
func (im Image) Source() string {
	if im.URL != "" {
		return im.URL
	}
	ct := im.ContentType
	if ct == "" {
		ct = sniffImage(im.B64)
	}
	return "data:" + ct + ";base64," + im.B64
}

// FileName is a name to save the file under: the URL's last segment, else image-N with the
// extension of its type.
func (im Image) FileName(n int) string {
	if im.URL != "" {
		if u, err := url.Parse(im.URL); err == nil {
			if b := path.Base(u.Path); b != "." && b != "/" && b != "" {
				return b
			}
		}
	}
	ext := ".png"
	switch ct := im.ContentType; {
	case ct == "" && im.B64 != "":
		ext = "." + strings.TrimPrefix(sniffImage(im.B64), "image/")
	case strings.HasPrefix(ct, "image/"):
		ext = "." + strings.TrimPrefix(ct, "image/")
	}
	return fmt.Sprintf("image-%d%s", n, strings.Replace(ext, "jpeg", "jpg", 1))
}

// sniffImage names the image type of base64 data by its first bytes (PNG, JPEG, WebP, GIF).
func sniffImage(b64 string) string {
	switch {
	case strings.HasPrefix(b64, "/9j/"):
		return "image/jpeg"
	case strings.HasPrefix(b64, "UklGR"):
		return "image/webp"
	case strings.HasPrefix(b64, "R0lGOD"):
		return "image/gif"
	}
	return "image/png"
}

// ImageResult is an images answer as the run area shows it.
type ImageResult struct {
	// Images are the files, in the answer's order.
	Images []Image
	// Seed is the seed the provider reports it used, when it does.
	Seed *int64
	// Usage is what the call used (credits, USD, tokens).
	Usage Usage
}

// ParseImages reads an images answer: OpenAI's `data` list (url or b64_json), or the `images`
// list some providers send, with `seed` and `meta.usage` where given. An empty body (AI/ML API
// answers some generations with 201 and nothing) is an error saying so; so is an answer with no
// image in it.
func ParseImages(body []byte) (ImageResult, error) {
	var r ImageResult
	if len(strings.TrimSpace(string(body))) == 0 {
		return r, fmt.Errorf("the provider answered with an empty body: no image came back")
	}
	var doc struct {
		Data   []Image           `json:"data"`
		Images []Image           `json:"images"`
		Seed   *int64            `json:"seed"`
		Media  map[string]string `json:"playground_media"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return r, fmt.Errorf("the answer is not an images response: %w", err)
	}
	for _, list := range [][]Image{doc.Data, doc.Images} {
		for _, im := range list {
			if im.URL != "" || im.B64 != "" {
				if p := doc.Media[im.URL]; strings.HasPrefix(p, "/api/media/") {
					im.Proxied = p
				}
				r.Images = append(r.Images, im)
			}
		}
	}
	r.Seed, r.Usage = doc.Seed, ReadUsage(body)
	if len(r.Images) == 0 {
		return r, fmt.Errorf("the answer holds no image (neither data[].url nor data[].b64_json)")
	}
	return r, nil
}
