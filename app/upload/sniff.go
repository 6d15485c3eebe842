// Package upload is what the playground does with the files a form sends: it names a file's type
// from its first bytes (images, PDF, audio and video containers) and checks it against the type the
// file declares, holds the per-kind size caps and the cap on the number of files, counts base64's
// 4/3 against a body limit, and turns a form's JSON body into the multipart/form-data request the
// provider takes where the operation has binary fields (image edits, speech-to-text uploads).
//
// The form holds every file as a data URL (one string, 4/3 of the file, named by a "name"
// parameter: data:audio/wav;name=voice.wav;base64,…), so history, presets and View code see one
// shape; [Parts] makes the file parts of it at send time.
//
// It is pure Go (no go-app import): tested on the host and under GOOS=js, used by the browser and
// the server alike.
package upload

import (
	"bytes"
	"fmt"
	"strings"

	"playground/app/imagefile"
)

// SniffLen is how many first bytes [Sniff] needs at most.
const SniffLen = 512

// Sniff names a file's type from its first bytes: the image types of [imagefile.Sniff],
// "application/pdf", "audio/wav", "audio/mpeg" (ID3 or an MPEG frame), "audio/ogg", "audio/flac",
// "audio/aac" (ADTS), "video/webm" (EBML; audio-only WebM too), "video/mp4" (ISO BMFF; "audio/mp4"
// for the M4A brand), or "" for anything else.
func Sniff(b []byte) string {
	if t := imagefile.Sniff(b); t != "" {
		return t
	}
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WAVE":
		return "audio/wav"
	case bytes.HasPrefix(b, []byte("ID3")):
		return "audio/mpeg"
	case bytes.HasPrefix(b, []byte("OggS")):
		return "audio/ogg"
	case bytes.HasPrefix(b, []byte("fLaC")):
		return "audio/flac"
	case bytes.HasPrefix(b, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		return "video/webm"
	case len(b) >= 12 && string(b[4:8]) == "ftyp":
		if brand := string(b[8:12]); brand == "M4A " || brand == "M4B " {
			return "audio/mp4"
		}
		return "video/mp4"
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xf6 == 0xf0:
		return "audio/aac" // ADTS: sync word, layer 0
	case len(b) >= 2 && b[0] == 0xff && b[1]&0xe0 == 0xe0 && b[1]&0x06 != 0:
		return "audio/mpeg" // an MPEG audio frame: sync word, a layer
	}
	return ""
}

// aliases maps the names browsers and tools give types to the one [Sniff] says.
var aliases = map[string]string{
	"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg",
	"audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/vnd.wave": "audio/wav",
	"audio/mp3": "audio/mpeg", "audio/mpeg3": "audio/mpeg", "audio/x-mpeg": "audio/mpeg", "audio/x-mp3": "audio/mpeg",
	"audio/x-flac": "audio/flac", "application/ogg": "audio/ogg", "audio/opus": "audio/ogg", "video/ogg": "audio/ogg",
	"audio/webm": "video/webm", "audio/x-m4a": "audio/mp4", "audio/m4a": "audio/mp4", "audio/aacp": "audio/aac",
	"application/x-pdf": "application/pdf",
}

// container is a type's container as [Sniff] names it: aliases folded, parameters dropped
// ("audio/webm;codecs=opus" is "video/webm"), and MP4's audio and video alike.
func container(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	if a, ok := aliases[t]; ok {
		t = a
	}
	if t == "audio/mp4" {
		t = "video/mp4"
	}
	return t
}

// Describe names a type for messages: "a PNG image", "a PDF document", "WAV audio", or the type.
func Describe(t string) string {
	switch container(t) {
	case "image/png":
		return "a PNG image"
	case "image/jpeg":
		return "a JPEG image"
	case "image/webp":
		return "a WebP image"
	case "image/gif":
		return "a GIF image"
	case "application/pdf":
		return "a PDF document"
	case "audio/wav":
		return "WAV audio"
	case "audio/mpeg":
		return "MP3 audio"
	case "audio/ogg":
		return "Ogg audio"
	case "audio/flac":
		return "FLAC audio"
	case "audio/aac":
		return "AAC audio"
	case "video/webm":
		return "WebM media"
	case "video/mp4":
		return "MP4 media"
	case "":
		return "of no known type"
	}
	return t
}

// Known reports whether [Sniff] can tell a type from its bytes: the images, PDF, and the audio
// and video containers it names ("" and "application/octet-stream" are not known).
func Known(t string) bool {
	c := container(t)
	return strings.HasPrefix(c, "image/") || strings.HasPrefix(c, "audio/") || strings.HasPrefix(c, "video/") || c == "application/pdf"
}

// CheckType checks that a file's first bytes are what it declares (declared "" or
// "application/octet-stream" takes what the bytes say; a declared type [Known] does not cover,
// such as text/plain, is taken as declared). It names the file and both types.
// It returns the type the bytes say, which is what the file is sent as.
func CheckType(name, declared string, head []byte) (string, error) {
	got := Sniff(head)
	if got == "" && !Known(declared) {
		return declared, nil // a type the playground does not read (text, JSON…): as declared
	}
	if got == "" {
		return "", fmt.Errorf("%s: its content is no image, PDF or audio the playground knows (declared %s); it is not sent", name, orUnknown(declared))
	}
	d := container(declared)
	if d == "" || d == "application/octet-stream" || d == container(got) {
		return got, nil
	}
	return "", fmt.Errorf("%s: declared %s, but its content is %s; it is not sent", name, Describe(declared), Describe(got))
}

func orUnknown(t string) string {
	if t == "" {
		return "no type"
	}
	return t
}
