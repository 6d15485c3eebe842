package fakeupstream

import (
	"bytes"
	"encoding/binary"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// filesPrefix is the path of the fake's file host.
const filesPrefix = "/files/"

// RedirectTarget is where /files/redirect sends its client: a port nothing listens on.
const RedirectTarget = "http://127.0.0.1:1/x"

// HTMLBody is what /files/html.png serves as image/png: a page with a script.
const HTMLBody = "<!doctype html><html><body><script>alert('fake upstream')</script></body></html>\n"

// HugeFileBytes is the size of /files/huge.png: 64 MiB.
const HugeFileBytes = 64 << 20

// pngSignature starts every PNG file.
var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// GLB is what /files/model.glb serves: the smallest valid binary glTF 2.0 file, a header and a
// JSON chunk holding only the asset version.
var GLB = func() []byte {
	doc := []byte(`{"asset":{"version":"2.0"}}`)
	for len(doc)%4 != 0 {
		doc = append(doc, ' ')
	}
	var b bytes.Buffer
	b.WriteString("glTF")
	_ = binary.Write(&b, binary.LittleEndian, []uint32{2, uint32(12 + 8 + len(doc)), uint32(len(doc)), 0x4E4F534A})
	b.Write(doc)
	return b.Bytes()
}()

// FilePNG returns the 64×64 PNG the file host serves under name: a gradient between two colours
// derived from a hash of the name, the same for the same name.
func FilePNG(name string) []byte {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	sum := h.Sum64()
	from := color.RGBA{uint8(sum), uint8(sum >> 8), uint8(sum >> 16), 255}
	to := color.RGBA{uint8(sum >> 24), uint8(sum >> 32), uint8(sum >> 40), 255}
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	mix := func(a, b uint8, t int) uint8 { return uint8((int(a)*(126-t) + int(b)*t) / 126) }
	for y := range 64 {
		for x := range 64 {
			t := x + y
			img.SetRGBA(x, y, color.RGBA{mix(from.R, to.R, t), mix(from.G, to.G, t), mix(from.B, to.B, t), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("fakeupstream: encoding a PNG: " + err.Error()) // cannot happen with a bytes.Buffer
	}
	return b.Bytes()
}

// serveFile answers GET (and HEAD) /files/{name}: the images' files and the hostile variants.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, filesPrefix)
	h := w.Header()
	switch {
	case name == "redirect":
		h.Set("Location", RedirectTarget)
		w.WriteHeader(http.StatusFound)
	case name == "html.png":
		h.Set("Content-Type", "image/png")
		_, _ = w.Write([]byte(HTMLBody))
	case name == "huge.png":
		h.Set("Content-Type", "image/png")
		s.serveHuge(w, r)
	case name == "slow.png":
		h.Set("Content-Type", "image/png")
		s.serveSlow(w, r)
	case name == "model.glb":
		h.Set("Content-Type", "model/gltf-binary")
		h.Set("Content-Length", strconv.Itoa(len(GLB)))
		_, _ = w.Write(GLB)
	case strings.HasPrefix(name, "video-") && strings.HasSuffix(name, ".webm") && !strings.Contains(name, "/"):
		h.Set("Content-Type", "video/webm")
		http.ServeContent(w, r, name, fileTime, bytes.NewReader(ClipWebM))
	case (strings.HasPrefix(name, "music-") || strings.HasPrefix(name, "speech-")) && strings.HasSuffix(name, ".wav") && !strings.Contains(name, "/"):
		h.Set("Content-Type", "audio/wav")
		http.ServeContent(w, r, name, fileTime, bytes.NewReader(toneWAV))
	case strings.HasSuffix(name, ".png") && !strings.Contains(name, "/") && len(name) > len(".png"):
		b := FilePNG(name)
		h.Set("Content-Type", "image/png")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		_, _ = w.Write(b)
	default:
		writeError(w, http.StatusNotFound, "No file "+name+".", "invalid_request_error", "")
	}
}

// fileTime is the modification time of the files served with ranges.
var fileTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// toneWAV is the sound of the music and speech files.
var toneWAV = WAV(1)

// serveHuge streams HugeFileBytes bytes: a PNG signature, then zeros.
func (s *Server) serveHuge(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 32<<10)
	copy(buf, pngSignature)
	for left := HugeFileBytes; left > 0; left -= len(buf) {
		if _, err := w.Write(buf[:min(left, len(buf))]); err != nil {
			if r.Context().Err() != nil {
				s.noteCancelled()
			}
			return
		}
		clear(buf[:len(pngSignature)])
	}
}

// serveSlow sends a PNG one byte at a time, SlowDelay apart, then waits, until the request's
// context ends.
func (s *Server) serveSlow(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.WriteHeader(http.StatusOK)
	for _, c := range FilePNG("slow.png") {
		if _, err := w.Write([]byte{c}); err != nil {
			if r.Context().Err() != nil {
				s.noteCancelled()
			}
			return
		}
		_ = rc.Flush()
		if !s.wait(r.Context(), s.SlowDelay) {
			return
		}
	}
	<-r.Context().Done()
	s.noteCancelled()
}
