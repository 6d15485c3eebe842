// Package wasmsize says what weighs in a WebAssembly binary built by Go: the size of each
// function's code, from the code section, named by the "name" custom section the Go linker
// writes, summed by Go package; and the data and other sections as they are. `go tool nm` does not
// read wasm, so this is the size report of the web app (see server/cmd/wasmsize).
package wasmsize

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Report is what a binary is made of.
type Report struct {
	// Total is the binary's size.
	Total int
	// Sections are the sizes of its sections by name ("code", "data", "name"…).
	Sections map[string]int
	// Funcs are the code bytes of each defined function, by its name ("" when unnamed).
	Funcs []Func
}

// Func is one function's code.
type Func struct {
	Name string
	Size int
}

// Package is the code bytes of one Go package (or "runtime", "(unnamed)").
type Package struct {
	Path  string
	Size  int
	Funcs int
}

var sectionNames = map[byte]string{0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
	6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount"}

// Parse reads a wasm binary.
func Parse(b []byte) (*Report, error) {
	if len(b) < 8 || string(b[:4]) != "\x00asm" || binary.LittleEndian.Uint32(b[4:8]) != 1 {
		return nil, errors.New("not a WebAssembly 1 binary")
	}
	r := &Report{Total: len(b), Sections: map[string]int{}}
	imported := 0
	var bodies []int
	names := map[int]string{}
	for p := 8; p < len(b); {
		id := b[p]
		size, n, err := uleb(b, p+1)
		if err != nil {
			return nil, fmt.Errorf("section at %d: %w", p, err)
		}
		start := p + 1 + n
		end := start + int(size)
		if size > uint64(len(b)) || end > len(b) || end < start {
			return nil, fmt.Errorf("section at %d runs past the end", p)
		}
		body := b[start:end]
		name := sectionNames[id]
		if name == "" {
			name = fmt.Sprintf("section %d", id)
		}
		switch id {
		case 0:
			cname, rest, err := str(body)
			if err != nil {
				return nil, fmt.Errorf("custom section at %d: %w", p, err)
			}
			name = cname
			if cname == "name" {
				if err := readNames(rest, names); err != nil {
					return nil, fmt.Errorf("name section: %w", err)
				}
			}
		case 2:
			if imported, err = countImportedFuncs(body); err != nil {
				return nil, fmt.Errorf("import section: %w", err)
			}
		case 10:
			if bodies, err = readBodies(body); err != nil {
				return nil, fmt.Errorf("code section: %w", err)
			}
		}
		r.Sections[name] += end - p
		p = end
	}
	for i, size := range bodies {
		r.Funcs = append(r.Funcs, Func{Name: names[imported+i], Size: size})
	}
	return r, nil
}

// Packages sums the functions' code by Go package, largest first.
func (r *Report) Packages() []Package {
	by := map[string]*Package{}
	for _, f := range r.Funcs {
		path := PackageOf(f.Name)
		p := by[path]
		if p == nil {
			p = &Package{Path: path}
			by[path] = p
		}
		p.Size += f.Size
		p.Funcs++
	}
	out := make([]Package, 0, len(by))
	for _, p := range by {
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Size != out[j].Size {
			return out[i].Size > out[j].Size
		}
		return out[i].Path < out[j].Path
	})
	return out
}

// PackageOf is the Go package of a function's name as the Go linker writes it into wasm, where
// "/" and the "(*T)" of a method are "_": "encoding_json.__decodeState_.value" is
// "encoding/json", "github.com_yuin_goldmark_parser.NewParser" is
// "github.com/yuin/goldmark/parser", "vendor_golang.org_x_net_idna.f" is
// "vendor/golang.org/x/net/idna"; linker-made names ("type_.eq.T", "go_buildid") keep their
// prefix ("type:", "go_buildid"). A package path with "_" of its own reads with "/" there.
func PackageOf(name string) string {
	if name == "" {
		return "(unnamed)"
	}
	if strings.HasPrefix(name, "type_.") {
		return "type:"
	}
	from := 0
	if strings.HasPrefix(name, "vendor_") {
		from = len("vendor_")
	}
	// A first path element with a dot right before its end is a domain: "github.com_".
	if u := strings.IndexByte(name[from:], '_'); u > 0 {
		if d := strings.LastIndexByte(name[from:from+u], '.'); d > 0 && d < u-1 {
			from += u + 1
		}
	}
	pkg := name
	if i := strings.IndexByte(name[from:], '.'); i >= 0 {
		pkg = name[:from+i]
	}
	return strings.ReplaceAll(pkg, "_", "/")
}

// uleb reads an unsigned LEB128 number at b[p:], with the bytes it took.
func uleb(b []byte, p int) (uint64, int, error) {
	var v uint64
	for i := 0; i < 10; i++ {
		if p+i >= len(b) {
			return 0, 0, errors.New("a number runs past the end")
		}
		c := b[p+i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errors.New("a number is too long")
}

// str reads a length-prefixed string, and the bytes after it.
func str(b []byte) (string, []byte, error) {
	n, k, err := uleb(b, 0)
	if err != nil {
		return "", nil, err
	}
	if n > uint64(len(b)-k) {
		return "", nil, errors.New("a name runs past the end")
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

// readBodies reads the code section's function body sizes.
func readBodies(b []byte) ([]int, error) {
	count, p, err := uleb(b, 0)
	if err != nil {
		return nil, err
	}
	if count > uint64(len(b)) {
		return nil, errors.New("more functions than bytes")
	}
	out := make([]int, 0, count)
	for i := uint64(0); i < count; i++ {
		size, n, err := uleb(b, p)
		if err != nil {
			return nil, fmt.Errorf("function %d: %w", i, err)
		}
		if size > uint64(len(b)-p-n) {
			return nil, fmt.Errorf("function %d runs past the end", i)
		}
		out = append(out, n+int(size))
		p += n + int(size)
	}
	return out, nil
}

// readNames reads the function names subsection (1) of the name section into names.
func readNames(b []byte, names map[int]string) error {
	for p := 0; p < len(b); {
		id := b[p]
		size, n, err := uleb(b, p+1)
		if err != nil {
			return err
		}
		start := p + 1 + n
		if size > uint64(len(b)-start) {
			return errors.New("a subsection runs past the end")
		}
		sub := b[start : start+int(size)]
		p = start + int(size)
		if id != 1 {
			continue
		}
		count, q, err := uleb(sub, 0)
		if err != nil {
			return err
		}
		for i := uint64(0); i < count; i++ {
			idx, k, err := uleb(sub, q)
			if err != nil {
				return fmt.Errorf("name %d: %w", i, err)
			}
			name, rest, err := str(sub[q+k:])
			if err != nil {
				return fmt.Errorf("name %d: %w", i, err)
			}
			names[int(idx)] = name
			q = len(sub) - len(rest)
		}
	}
	return nil
}

// countImportedFuncs counts the function imports (they take the first function indexes).
func countImportedFuncs(b []byte) (int, error) {
	count, p, err := uleb(b, 0)
	if err != nil {
		return 0, err
	}
	funcs := 0
	for i := uint64(0); i < count; i++ {
		for j := 0; j < 2; j++ { // module and field names
			_, rest, err := str(b[p:])
			if err != nil {
				return 0, fmt.Errorf("import %d: %w", i, err)
			}
			p = len(b) - len(rest)
		}
		if p >= len(b) {
			return 0, fmt.Errorf("import %d has no kind", i)
		}
		kind := b[p]
		p++
		var skip int
		switch kind {
		case 0: // function: a type index
			funcs++
			_, skip, err = uleb(b, p)
		case 1: // table: a reference type, limits
			p++
			skip, err = limits(b, p)
		case 2: // memory: limits
			skip, err = limits(b, p)
		case 3: // global: a value type, mutability
			skip = 2
		default:
			return 0, fmt.Errorf("import %d has kind %d", i, kind)
		}
		if err != nil {
			return 0, fmt.Errorf("import %d: %w", i, err)
		}
		if p += skip; p > len(b) {
			return 0, fmt.Errorf("import %d runs past the end", i)
		}
	}
	return funcs, nil
}

// limits is the length of a limits entry at b[p:].
func limits(b []byte, p int) (int, error) {
	if p >= len(b) {
		return 0, errors.New("limits run past the end")
	}
	flag := b[p]
	_, n, err := uleb(b, p+1)
	if err != nil {
		return 0, err
	}
	total := 1 + n
	if flag&1 != 0 {
		_, m, err := uleb(b, p+total)
		if err != nil {
			return 0, err
		}
		total += m
	}
	return total, nil
}
