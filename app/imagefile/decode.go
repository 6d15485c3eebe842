// Package imagefile reads what the playground needs of the image files a form sends to an images
// operation: their type and pixel size from their first bytes (PNG, JPEG, WebP, GIF), the bytes a
// form value holds (a data URL, or the file object the form sends for binary fields), the limits a
// field's schema states in its description (size, types), and whether a mask matches its image.
// It is pure Go (no go-app import), so it is tested on the host and under GOOS=js.
package imagefile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Info is what an image file's header says.
type Info struct {
	// Type is the file's media type, e.g. "image/png".
	Type string
	// Width and Height are its size in pixels.
	Width, Height int
}

// Size writes the pixel size as "W×H".
func (i Info) Size() string { return fmt.Sprintf("%d×%d", i.Width, i.Height) }

// ErrUnknown is the error of content that is none of the image types read here.
var ErrUnknown = errors.New("not a PNG, JPEG, WebP or GIF image")

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// PNGSize reads the pixel size of a PNG file from its header (the IHDR chunk, which must come
// first).
func PNGSize(b []byte) (width, height int, err error) {
	if !bytes.HasPrefix(b, pngSignature) {
		return 0, 0, errors.New("not a PNG file (no PNG signature)")
	}
	if len(b) < 24 || string(b[12:16]) != "IHDR" {
		return 0, 0, errors.New("the PNG file has no IHDR header")
	}
	w, h := binary.BigEndian.Uint32(b[16:20]), binary.BigEndian.Uint32(b[20:24])
	if w == 0 || h == 0 || w > 1<<31-1 || h > 1<<31-1 {
		return 0, 0, fmt.Errorf("the PNG header gives an impossible size %d×%d", w, h)
	}
	return int(w), int(h), nil
}

// Sniff names the image type of content by its first bytes ("image/png", "image/jpeg",
// "image/webp", "image/gif"), or "" for anything else.
func Sniff(b []byte) string {
	switch {
	case bytes.HasPrefix(b, pngSignature):
		return "image/png"
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return "image/jpeg"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	case bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	}
	return ""
}

// Decode reads an image file's type and pixel size from its header. Content of another type is
// ErrUnknown; a header that is cut short or inconsistent is another error.
func Decode(b []byte) (Info, error) {
	info := Info{Type: Sniff(b)}
	var err error
	switch info.Type {
	case "image/png":
		info.Width, info.Height, err = PNGSize(b)
	case "image/jpeg":
		info.Width, info.Height, err = jpegSize(b)
	case "image/webp":
		info.Width, info.Height, err = webpSize(b)
	case "image/gif":
		if len(b) < 10 {
			return info, errors.New("the GIF header is cut short")
		}
		info.Width, info.Height = int(binary.LittleEndian.Uint16(b[6:8])), int(binary.LittleEndian.Uint16(b[8:10]))
	default:
		return info, ErrUnknown
	}
	if err == nil && (info.Width <= 0 || info.Height <= 0) {
		err = fmt.Errorf("the %s header gives an impossible size %d×%d", info.Type, info.Width, info.Height)
	}
	return info, err
}

// jpegSize walks a JPEG file's segments to its frame header (SOFn) and reads the size there.
func jpegSize(b []byte) (int, int, error) {
	i := 2
	for {
		for i < len(b) && b[i] == 0xff && i+1 < len(b) && b[i+1] == 0xff {
			i++ // fill bytes
		}
		if i+4 > len(b) {
			return 0, 0, errors.New("the JPEG file ends before its frame header")
		}
		if b[i] != 0xff {
			return 0, 0, fmt.Errorf("the JPEG file has no segment marker at byte %d", i)
		}
		m := b[i+1]
		if m == 0x01 || m >= 0xd0 && m <= 0xd8 {
			i += 2 // markers without a length
			continue
		}
		if m == 0xd9 || m == 0xda {
			return 0, 0, errors.New("the JPEG file has no frame header before its image data")
		}
		n := int(binary.BigEndian.Uint16(b[i+2 : i+4]))
		if n < 2 {
			return 0, 0, fmt.Errorf("the JPEG segment at byte %d has a bad length", i)
		}
		if m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc {
			if i+9 > len(b) {
				return 0, 0, errors.New("the JPEG frame header is cut short")
			}
			return int(binary.BigEndian.Uint16(b[i+7 : i+9])), int(binary.BigEndian.Uint16(b[i+5 : i+7])), nil
		}
		i += 2 + n
	}
}

// webpSize reads the canvas size of a WebP file: its first chunk, VP8X (extended), VP8L
// (lossless) or VP8 (lossy).
func webpSize(b []byte) (int, int, error) {
	if len(b) < 30 {
		return 0, 0, errors.New("the WebP header is cut short")
	}
	switch string(b[12:16]) {
	case "VP8X":
		w := int(b[24]) | int(b[25])<<8 | int(b[26])<<16
		h := int(b[27]) | int(b[28])<<8 | int(b[29])<<16
		return w + 1, h + 1, nil
	case "VP8L":
		if b[20] != 0x2f {
			return 0, 0, errors.New("the WebP lossless header has no signature")
		}
		bits := binary.LittleEndian.Uint32(b[21:25])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	case "VP8 ":
		if b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a {
			return 0, 0, errors.New("the WebP lossy header has no start code")
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), nil
	}
	return 0, 0, fmt.Errorf("the WebP file starts with an unknown chunk %q", b[12:16])
}
