package imagefile

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"playground/app/form"
	"playground/app/schema"
)

// encoded returns an image of w×h pixels encoded by enc.
func encoded(t testing.TB, w, h int, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(t testing.TB, w, h int) []byte {
	return encoded(t, w, h, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
}

// webp builds the first 30 bytes of a WebP file with the given first chunk and payload.
func webp(chunk string, payload ...byte) []byte {
	b := append([]byte("RIFF\x00\x00\x00\x00WEBP"+chunk+"\x00\x00\x00\x00"), payload...)
	for len(b) < 30 {
		b = append(b, 0)
	}
	return b
}

func TestDecode(t *testing.T) {
	jpg := encoded(t, 33, 17, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	gf := encoded(t, 5, 9, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
	tests := []struct {
		name    string
		in      []byte
		want    Info
		wantErr string
	}{
		{"png", pngOf(t, 64, 48), Info{"image/png", 64, 48}, ""},
		{"jpeg", jpg, Info{"image/jpeg", 33, 17}, ""},
		{"gif", gf, Info{"image/gif", 5, 9}, ""},
		{"webp lossy", webp("VP8 ", 0, 0, 0, 0x9d, 0x01, 0x2a, 100, 0, 50, 0), Info{"image/webp", 100, 50}, ""},
		{"webp lossless", webp("VP8L", 0x2f, 0x3f, 0x80, 0x0f, 0), Info{"image/webp", 64, 63}, ""},
		{"webp extended", webp("VP8X", 0, 0, 0, 0, 0xff, 0x03, 0, 0xff, 0x01, 0), Info{"image/webp", 1024, 512}, ""},
		{"png cut short", pngOf(t, 1, 1)[:20], Info{Type: "image/png"}, "no IHDR"},
		{"jpeg without a frame", []byte{0xff, 0xd8, 0xff, 0xda, 0, 2}, Info{Type: "image/jpeg"}, "no frame header"},
		{"bmp", []byte("BM\x00\x00\x00\x00"), Info{}, "not a PNG, JPEG, WebP or GIF"},
		{"empty", nil, Info{}, "not a PNG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("Decode error %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == "" && got != tt.want {
				t.Errorf("Decode = %+v, want %+v", got, tt.want)
			}
		})
	}
	if w, h, err := PNGSize(pngOf(t, 1536, 1024)); w != 1536 || h != 1024 || err != nil {
		t.Errorf("PNGSize = %d×%d, %v", w, h, err)
	}
	if _, _, err := PNGSize(jpg); err == nil {
		t.Error("PNGSize read a JPEG")
	}
}

func TestDecodeDataURL(t *testing.T) {
	tests := []struct{ in, mime, data, err string }{
		{"data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("\x89PNG")), "image/png", "\x89PNG", ""},
		{"data:image/png;base64,iVBORw", "image/png", "\x89PNG", ""}, // no padding
		{"data:image/png;base64,-_8", "image/png", "\xfb\xff", ""},   // URL alphabet
		{"data:;base64,aGk=", "text/plain", "hi", ""},
		{"data:text/plain,a%20b", "text/plain", "a b", ""},
		{"data:image/png;base64,@@", "", "", "base64"},
		{"data:image/png", "", "", "no comma"},
		{"https://x/a.png", "", "", "not a data URL"},
	}
	for _, tt := range tests {
		mime, data, err := DecodeDataURL(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("DecodeDataURL(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || mime != tt.mime || string(data) != tt.data {
			t.Errorf("DecodeDataURL(%q) = %q, %q, %v", tt.in, mime, data, err)
		}
	}
}

func TestFiles(t *testing.T) {
	p := pngOf(t, 8, 4)
	obj := form.FileValue("a.png", "image/png", p)
	data := json.RawMessage(`"` + form.DataURL("image/png", p) + `"`)
	list := json.RawMessage(`[` + string(obj) + `,"https://x/y.png",` + string(data) + `]`)
	for _, tt := range []struct {
		name    string
		v       json.RawMessage
		indexes []int
	}{
		{"file object", obj, []int{-1}},
		{"data URL", data, []int{-1}},
		{"list", list, []int{0, 2}},
		{"URL", json.RawMessage(`"https://x/y.png"`), nil},
		{"other object", json.RawMessage(`{"a":1}`), nil},
	} {
		files, err := Files(tt.v)
		if err != nil || len(files) != len(tt.indexes) {
			t.Fatalf("%s: %d files, %v", tt.name, len(files), err)
		}
		for i, f := range files {
			if f.Index != tt.indexes[i] || !bytes.Equal(f.Data, p) || f.Mime != "image/png" {
				t.Errorf("%s: file %d = index %d, %d bytes, %q", tt.name, i, f.Index, len(f.Data), f.Mime)
			}
		}
	}
	if _, err := Files(json.RawMessage(`{"buffer":{"data":[1,256]}}`)); err == nil || !strings.Contains(err.Error(), "over 255") {
		t.Errorf("a buffer with 256: %v", err)
	}
	for in, want := range map[string]string{"[]": "", " [ 1 , 2,3 ] ": "\x01\x02\x03", "[1,]": "!", "[1": "!", "[1]x": "!", "1": "!", "[-1]": "!"} {
		got, err := ByteList([]byte(in))
		if want == "!" {
			if err == nil {
				t.Errorf("ByteList(%q) = %v, want an error", in, got)
			}
		} else if err != nil || string(got) != want {
			t.Errorf("ByteList(%q) = %v, %v", in, got, err)
		}
	}
}

func TestRulesOf(t *testing.T) {
	tests := []struct {
		desc  string
		max   int64
		why   string
		types string
	}{
		{"Each must be a local file (png, webp, or jpg), up to 50MB. Maximum 16 images.", 50 << 20, `"up to 50MB"`, "image/png image/jpeg image/webp"},
		{"A local PNG file used as a mask. Must be under 4MB and match the image dimensions.", 4 << 20, `"under 4MB"`, "image/png"},
		{"Supported formats: JPEG, PNG. Maximum file size: 4.7 MB. Maximum resolution: 4096×4096 px.", 4928307, `"Maximum file size: 4.7 MB"`, "image/png image/jpeg"},
		{"file size must not exceed 20MB", 20 << 20, `"not exceed 20MB"`, "image/png image/jpeg image/webp image/gif"},
		{"Maximum 16 images of 1024 px.", DefaultMaxBytes, "states none", "image/png image/jpeg image/webp image/gif"},
	}
	for _, tt := range tests {
		r := RulesOf(schema.Field{Name: "image", Help: tt.desc})
		if r.MaxBytes != tt.max || !strings.Contains(r.Why, tt.why) || strings.Join(r.Types, " ") != tt.types {
			t.Errorf("RulesOf(%q) = %d (%s) %v", tt.desc, r.MaxBytes, r.Why, r.Types)
		}
	}
	r := RulesOf(schema.Field{Help: "A local PNG file, under 4MB."})
	if c := r.Cap(2<<20, "the file object cap"); c.MaxBytes != 2<<20 || c.Why != "the file object cap" {
		t.Errorf("Cap lower: %+v", c)
	}
	if c := r.Cap(8<<20, "x"); c.MaxBytes != 4<<20 {
		t.Errorf("Cap higher: %+v", c)
	}
	for _, tt := range []struct {
		name, mime string
		size       int64
		err        string
	}{
		{"m.png", "image/png", 1000, ""},
		{"m.png", "", 1000, ""},
		{"big.png", "image/png", 5 << 20, `big.png is 5.2 MB, over the limit of 4.2 MB (the schema says "under 4MB")`},
		{"m.jpg", "image/jpeg", 10, "m.jpg is image/jpeg; this field takes PNG images"},
		{"notes", "", 10, "notes is of an unknown type"},
	} {
		err := r.CheckFile(tt.name, tt.mime, tt.size)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("CheckFile(%s, %s, %d) = %v, want %q", tt.name, tt.mime, tt.size, err, tt.err)
		}
	}
	jpg := encoded(t, 4, 4, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	if _, err := r.CheckData(jpg); err == nil || err.Error() != "the file is a JPEG image; this field takes PNG images" {
		t.Errorf("CheckData(jpeg) = %v", err)
	}
	if _, err := r.CheckData([]byte("hello")); err == nil || !strings.Contains(err.Error(), "the file is not a PNG, JPEG, WebP or GIF image") {
		t.Errorf("CheckData(text) = %v", err)
	}
	if info, err := r.CheckData(pngOf(t, 3, 2)); err != nil || info.Size() != "3×2" {
		t.Errorf("CheckData(png) = %v, %v", info, err)
	}
}

func TestCheckAndMask(t *testing.T) {
	img := schema.Field{Name: "image", Control: schema.File, Type: "object", Help: "a local file (png, webp, or jpg), up to 50MB"}
	mask := schema.Field{Name: "mask", Control: schema.File, Type: "object", Help: "A local PNG file, under 4MB"}
	iv := form.FileValue("src.png", "image/png", pngOf(t, 64, 64))
	list := json.RawMessage("[" + string(iv) + "]")
	good := Check(mask, form.FileValue("m.png", "image/png", pngOf(t, 64, 64)), RulesOf(mask))
	small := Check(mask, form.FileValue("m.png", "image/png", pngOf(t, 32, 16)), RulesOf(mask))
	for _, c := range [][]Checked{Check(img, iv, RulesOf(img)), Check(img, list, RulesOf(img))} {
		if err := MaskProblem(c, good); err != nil {
			t.Errorf("a mask of the image's size: %v", err)
		}
		if err := MaskProblem(c, small); err == nil || err.Error() != "the mask is 32×16 but the image is 64×64: a mask must have the image's size" {
			t.Errorf("a smaller mask: %v", err)
		}
	}
	if c := Check(img, list, RulesOf(img)); len(c) != 1 || c[0].Key != "image.0" {
		t.Errorf("a list's keys: %+v", c)
	}
	if c := Check(mask, json.RawMessage(`{"buffer":{"data":[1,2,3]}}`), RulesOf(mask)); len(c) != 1 || c[0].Key != "mask" ||
		c[0].Err == nil || !strings.Contains(c[0].Err.Error(), "not a PNG") {
		t.Errorf("a mask that is no image: %+v", c)
	}
	if MaskProblem(nil, small) != nil {
		t.Error("a mask without an image is not a size problem")
	}
}

func TestInput(t *testing.T) {
	fields := []schema.Field{
		{Name: "num_images", Control: schema.Slider},
		{Name: "image_size", Control: schema.Select},
		{Name: "mask", Control: schema.File},
		{Name: "image_urls", Control: schema.Tags, Items: &schema.Field{Name: "item", Control: schema.URL}, Help: "URLs or local Base64 encoded images"},
	}
	if in := Input(fields); in == nil || in.Name != "image_urls" {
		t.Fatalf("Input = %v", in)
	}
	if Input(fields[:3]) != nil {
		t.Error("a mask is not the input")
	}
	p := pngOf(t, 2, 2)
	withURL := Source{URL: "https://cdn/x.png", DataURL: form.DataURL("image/png", p), Name: "x.png"}
	b64 := Source{DataURL: withURL.DataURL, Name: "image-1.png"}
	choice := schema.Field{Name: "image", Control: schema.Choice, Choices: []schema.Field{
		{Name: "image", Control: schema.File, Type: "object"},
		{Name: "image", Control: schema.List, Items: &schema.Field{Name: "item", Control: schema.File, Type: "object"}}}}
	urlOnly := schema.Field{Name: "image_url", Control: schema.URL, Help: "The URL of the reference image."}
	tests := []struct {
		name  string
		f     schema.Field
		src   Source
		want  string
		bytes bool
	}{
		{"URL field", urlOnly, withURL, `"https://cdn/x.png"`, false},
		{"URL-only field, base64 image", urlOnly, b64, "", false},
		{"list of URLs with uploads, base64 image", fields[3], b64, `["` + b64.DataURL + `"]`, false},
		{"file object choice", choice, b64, string(form.FileValue("image-1.png", "image/png", p)), true},
		{"string file", schema.Field{Name: "image", Control: schema.File, Type: "string"}, withURL, `"` + withURL.DataURL + `"`, true},
		{"file without content", choice, Source{URL: "https://cdn/x.png"}, "", true},
	}
	for _, tt := range tests {
		v, ok := InputValue(tt.f, tt.src)
		if ok != (tt.want != "") || string(v) != tt.want {
			t.Errorf("%s: InputValue = %s, %v; want %s", tt.name, v, ok, tt.want)
		}
		if NeedsBytes(tt.f) != tt.bytes {
			t.Errorf("%s: NeedsBytes = %v", tt.name, !tt.bytes)
		}
	}
}
