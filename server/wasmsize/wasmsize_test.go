package wasmsize

import (
	"bytes"
	"testing"
)

func TestPackageOf(t *testing.T) {
	for name, want := range map[string]string{
		"runtime.saveg":                                  "runtime",
		"reflect.__ptrType_.Len":                         "reflect",
		"type_.eq.reflect.ValueError":                    "type:",
		"syscall_js.valueSetIndex":                       "syscall/js",
		"encoding_json.__decodeState_.rescanLiteral":     "encoding/json",
		"github.com_google_uuid.Parse":                   "github.com/google/uuid",
		"vendor_golang.org_x_net_idna.__idnaTrie_.f":     "vendor/golang.org/x/net/idna",
		"github.com_yuin_goldmark_parser.__cb_.Continue": "github.com/yuin/goldmark/parser",
		"playground_app_ui.__imageRun_.JSValue":          "playground/app/ui",
		"go_buildid":                                     "go/buildid",
		"":                                               "(unnamed)",
	} {
		if got := PackageOf(name); got != want {
			t.Errorf("PackageOf(%q) = %q, want %q", name, got, want)
		}
	}
}

// module is a small wasm binary: one imported function, two defined ones (bodies of 3 and 5
// bytes), their names in the name section, and a data section.
func module() []byte {
	sec := func(id byte, body ...byte) []byte { return append([]byte{id, byte(len(body))}, body...) }
	var b bytes.Buffer
	b.WriteString("\x00asm\x01\x00\x00\x00")
	b.Write(sec(1, 1, 0x60, 0, 0))                          // one type: () -> ()
	b.Write(sec(2, 1, 1, 'm', 1, 'f', 0, 0))                // import m.f, a function of type 0
	b.Write(sec(3, 2, 0, 0))                                // two functions of type 0
	b.Write(sec(10, 2, 2, 0, 0x0b, 4, 0, 0x01, 0x01, 0x0b)) // bodies: 3 and 5 bytes with their sizes
	b.Write(sec(11, 1, 0, 0x41, 0, 0x0b, 3, 'a', 'b', 'c')) // one data segment
	names := []byte{1, 15, 2, 1, 5, 'a', '_', 'b', '.', 'F', 2, 5, 'a', '_', 'b', '.', 'G'}
	b.Write(sec(0, append([]byte{4, 'n', 'a', 'm', 'e'}, names...)...))
	return b.Bytes()
}

func TestParse(t *testing.T) {
	r, err := Parse(module())
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Funcs) != 2 || r.Funcs[0] != (Func{"a_b.F", 3}) || r.Funcs[1] != (Func{"a_b.G", 5}) {
		t.Errorf("Funcs = %+v", r.Funcs)
	}
	if p := r.Packages(); len(p) != 1 || p[0] != (Package{Path: "a/b", Size: 8, Funcs: 2}) {
		t.Errorf("Packages = %+v", p)
	}
	total := 0
	for _, n := range r.Sections {
		total += n
	}
	if total != r.Total-8 || r.Sections["code"] != 11 || r.Sections["name"] == 0 {
		t.Errorf("Sections = %v (total %d of %d)", r.Sections, total, r.Total)
	}
	for _, bad := range [][]byte{nil, []byte("\x00asm\x02\x00\x00\x00"), module()[:20], append(module()[:8], 10, 50, 1)} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) took it", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(module())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil {
			return
		}
		n := 0
		for _, p := range r.Packages() {
			n += p.Size
		}
		if n > len(b) {
			t.Fatalf("%d bytes of code in a binary of %d", n, len(b))
		}
	})
}
