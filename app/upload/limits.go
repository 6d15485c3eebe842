package upload

import (
	"fmt"
	"strings"
)

// MB is a megabyte as the caps count it: 10^6 bytes, so that a cap stated in MB is never above
// the provider's limit whichever way it reads "MB".
const MB = 1_000_000

// MaxFiles is the most files one request sends: 16 images to edit and a mask, with room to spare.
const MaxFiles = 20

// Cap is the largest file a field takes, and why.
type Cap struct {
	// Bytes is the largest size taken.
	Bytes int64
	// Why says what the cap is, for messages: "an image to edit".
	Why string
}

// CapFor is the cap of a file of type mime in field of an operation of the kind called kindName:
// an image to edit 50 MB and a mask 4 MB (images), a PDF 50 MB and an image 10 MB (OCR), audio
// 5 MB (speech to text, and any audio elsewhere); anything else 20 MB. The caps are at or below
// what the providers' schemas state.
func CapFor(kindName, field, mime string) Cap {
	c := container(mime)
	switch {
	case kindName == "ocr" && c == "application/pdf":
		return Cap{50 * MB, "a PDF for OCR"}
	case kindName == "ocr":
		return Cap{10 * MB, "an image for OCR"}
	case kindName == "images" && field == "mask":
		return Cap{4 * MB, "a mask"}
	case kindName == "images":
		return Cap{50 * MB, "an image to edit"}
	case kindName == "stt" || strings.HasPrefix(c, "audio/") || c == "video/webm" || c == "video/mp4":
		return Cap{5 * MB, "an audio file"}
	}
	return Cap{20 * MB, "a file"}
}

// Check refuses a file over its cap, naming the file, its size and the cap.
func (c Cap) Check(name string, size int64) error {
	if size > c.Bytes {
		return fmt.Errorf("%s is %s, over the limit of %s for %s; it is not sent", name, Size(size), Size(c.Bytes), c.Why)
	}
	return nil
}

// BodyLimit is the largest JSON request body the server takes for a call of the kind called
// kindName when its configured limit is base: OCR's at least what a PDF at its cap weighs as a
// base64 data URL, with 1 MiB for the rest of the request; every other kind's is base.
func BodyLimit(kindName string, base int64) int64 {
	if kindName == "ocr" {
		return max(base, Base64Len(CapFor("ocr", "document", "application/pdf").Bytes)+1<<20)
	}
	return base
}

// Base64Len is the length of n bytes in base64 (with padding): 4/3 of n.
func Base64Len(n int64) int64 { return (n + 2) / 3 * 4 }

// FitBody refuses a file that, sent as base64 in a JSON body of bodyBytes so far, would take the
// body over limit; it names the file and says what it would weigh.
func FitBody(name string, fileBytes, bodyBytes, limit int64) error {
	if limit <= 0 {
		return nil
	}
	if total := bodyBytes + Base64Len(fileBytes); total > limit {
		return fmt.Errorf("%s is %s, %s as base64 in the request, which would make the request %s, over the server's limit of %s; it is not sent",
			name, Size(fileBytes), Size(Base64Len(fileBytes)), Size(total), Size(limit))
	}
	return nil
}

// Size writes a byte count for people: "812 B", "4.2 MB", "50 MB".
func Size(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < MB:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/1000)) + " KB"
	case n < 1000*MB:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/MB)) + " MB"
	}
	return trimZero(fmt.Sprintf("%.2f", float64(n)/(1000*MB))) + " GB"
}

func trimZero(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}
