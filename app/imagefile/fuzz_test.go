package imagefile

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecode reads image headers, data URLs and file-object values of any bytes: no panic, a PNG
// size agrees with PNGSize, a decoded size is positive.
func FuzzDecode(f *testing.F) {
	f.Add(pngOf(f, 3, 2))
	f.Add(webp("VP8X", 0, 0, 0, 0, 1, 0, 0, 1, 0, 0))
	f.Add(webp("VP8L", 0x2f, 0, 0, 0, 0))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xc0, 0, 17, 8, 0, 16, 0, 32})
	f.Add([]byte("GIF89a\x01\x00\x01\x00"))
	f.Add([]byte(`"data:image/png;base64,iVBORw0KGgo="`))
	f.Add([]byte(`[{"buffer":{"type":"Buffer","data":[137,80,78,71]},"mimetype":"image/png"}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := Decode(b)
		if err == nil && (info.Width <= 0 || info.Height <= 0 || info.Type == "") {
			t.Fatalf("Decode = %+v without an error", info)
		}
		if w, h, err := PNGSize(b); err == nil && (info.Type != "image/png" || w != info.Width || h != info.Height) {
			t.Fatalf("PNGSize %d×%d, Decode %+v", w, h, info)
		}
		if mime, data, err := DecodeDataURL(string(b)); err == nil && (mime == "" || len(data) > len(b)) {
			t.Fatalf("DecodeDataURL = %q, %d bytes of %d", mime, len(data), len(b))
		}
		if out, err := ByteList(b); err == nil {
			var ints []int
			if json.Unmarshal(b, &ints) != nil || len(ints) != len(out) {
				t.Fatalf("ByteList read %v of %q, which is no JSON list of as many numbers", out, b)
			}
		}
		if files, err := Files(b); err == nil {
			for _, fl := range files {
				if fl.Index < -1 || bytes.Equal(fl.Data, nil) && fl.Mime == "" && fl.Index == -1 && len(files) > 1 {
					t.Fatalf("Files = %+v", files)
				}
			}
		}
	})
}
