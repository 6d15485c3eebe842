package imagefile

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"

	"playground/app/schema"
)

// DefaultMaxBytes is the size limit of an image field whose schema states none: 20 MiB, what the
// large providers take (OpenAI's edits took 25 MB, most others 10–20 MB).
const DefaultMaxBytes = 20 << 20

// Types are the image types the playground checks, in the order messages list them.
var Types = []string{"image/png", "image/jpeg", "image/webp", "image/gif"}

// Rules are what a field accepts of an image file.
type Rules struct {
	// MaxBytes is the largest file taken.
	MaxBytes int64
	// Why says where MaxBytes comes from, for messages: `the schema says "up to 50MB"`.
	Why string
	// Types are the media types taken, from Types.
	Types []string
}

// RulesOf reads a field's rules from its description: a size stated as "up to 50MB", "under
// 4MB", "less than 4MB", "Maximum file size: 4.7 MB" or "must not exceed 20MB" (MB read as MiB,
// so that no file the provider takes is refused), else DefaultMaxBytes; the image types it names
// (png, jpg/jpeg, webp, gif), else all of Types.
func RulesOf(f schema.Field) Rules {
	desc := f.Help
	r := Rules{MaxBytes: DefaultMaxBytes, Why: "the playground's limit when the schema states none"}
	if n, stated, ok := statedLimit(desc); ok {
		r.MaxBytes, r.Why = n, fmt.Sprintf("the schema says %q", stated)
	}
	words := strings.FieldsFunc(strings.ToLower(desc), func(c rune) bool { return !unicode.IsLetter(c) && !unicode.IsDigit(c) })
	named := map[string]bool{}
	for _, w := range words {
		switch w {
		case "png", "webp", "gif":
			named["image/"+w] = true
		case "jpg", "jpeg":
			named["image/jpeg"] = true
		}
	}
	for _, t := range Types {
		if named[t] || len(named) == 0 {
			r.Types = append(r.Types, t)
		}
	}
	return r
}

// Cap lowers the limit to n when n is lower, saying why.
func (r Rules) Cap(n int64, why string) Rules {
	if n < r.MaxBytes {
		r.MaxBytes, r.Why = n, why
	}
	return r
}

// limitWords are what comes before a stated size limit.
var limitWords = []string{"up to", "under", "less than", "smaller than", "at most", "not exceed", "maximum file size", "max file size", "maximum size", "max size"}

// statedLimit finds the first size limit in a description: its bytes and its words.
func statedLimit(desc string) (n int64, stated string, ok bool) {
	low := strings.ToLower(desc)
	for i := 0; i < len(low); i++ {
		if low[i] < '0' || low[i] > '9' || i > 0 && (low[i-1] >= '0' && low[i-1] <= '9' || low[i-1] == '.') {
			continue
		}
		j := i
		for j < len(low) && (low[j] >= '0' && low[j] <= '9' || low[j] == '.') {
			j++
		}
		x, err := strconv.ParseFloat(low[i:j], 64)
		k := j
		for k < len(low) && low[k] == ' ' {
			k++
		}
		var unit float64
		for _, u := range []struct {
			s string
			v float64
		}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}} {
			if strings.HasPrefix(low[k:], u.s) {
				unit, k = u.v, k+len(u.s)
			}
		}
		if err != nil || unit == 0 || x <= 0 {
			continue
		}
		before := low[max(0, i-24):i]
		for _, w := range limitWords {
			if p := strings.LastIndex(before, w); p >= 0 {
				start := i - len(before) + p
				return int64(x * unit), desc[start:k], true
			}
		}
	}
	return 0, "", false
}

// typeNames writes media types for people: "PNG, JPEG or WebP".
func typeNames(types []string) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = map[string]string{"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP", "image/gif": "GIF"}[t]
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func (r Rules) takes(mime string) bool {
	for _, t := range r.Types {
		if t == mime {
			return true
		}
	}
	return false
}

// byExtension is the image type a file name's extension names, "" for none.
func byExtension(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".png":
		return "image/png"
	case ".jpg", ".jpeg":
		return "image/jpeg"
	case ".webp":
		return "image/webp"
	case ".gif":
		return "image/gif"
	}
	return ""
}

// CheckFile checks a file before it is read, by what the browser says of it: its size, and its
// media type (from its name's extension when the browser gives none).
func (r Rules) CheckFile(name, mime string, size int64) error {
	if size > r.MaxBytes {
		return fmt.Errorf("%s is %s, over the limit of %s (%s)", name, formatSize(size), formatSize(r.MaxBytes), r.Why)
	}
	if mime == "" {
		mime = byExtension(name)
	}
	if !r.takes(mime) {
		if mime == "" {
			mime = "of an unknown type"
		}
		return fmt.Errorf("%s is %s; this field takes %s images", name, mime, typeNames(r.Types))
	}
	return nil
}

// CheckData checks content: its size, and its type read from its first bytes (whatever a file's
// name or a data URL claims). It returns what the header says.
func (r Rules) CheckData(data []byte) (Info, error) {
	if n := int64(len(data)); n > r.MaxBytes {
		return Info{}, fmt.Errorf("the file is %s, over the limit of %s (%s)", formatSize(n), formatSize(r.MaxBytes), r.Why)
	}
	info, err := Decode(data)
	switch {
	case info.Type == "":
		return info, fmt.Errorf("the file is %w; this field takes %s images", err, typeNames(r.Types))
	case !r.takes(info.Type):
		return info, fmt.Errorf("the file is a %s image; this field takes %s images", typeNames([]string{info.Type}), typeNames(r.Types))
	case err != nil:
		return info, fmt.Errorf("the file cannot be read: %w", err)
	}
	return info, nil
}

// CheckMask checks that a mask has its image's pixel size, as edits require.
func CheckMask(image, mask Info) error {
	if image.Width != mask.Width || image.Height != mask.Height {
		return fmt.Errorf("the mask is %s but the image is %s: a mask must have the image's size", mask.Size(), image.Size())
	}
	return nil
}

// formatSize writes a byte count: "512 B", "3.4 KB", "1.2 MB" (powers of 1000, as the form's).
func formatSize(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%d B", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.1f KB", float64(n)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// Takes reports whether a field is an image input of an images operation: its name speaks of an
// image or a mask (not a size or a count of images) and it holds files or URLs, alone, in a list
// or as one alternative of a choice.
func Takes(f schema.Field) bool {
	name := strings.ToLower(f.Name)
	if !strings.Contains(name, "image") && name != "mask" || strings.Contains(name, "size") || strings.Contains(name, "num") {
		return false
	}
	return holdsFiles(f)
}

func holdsFiles(f schema.Field) bool {
	switch f.Control {
	case schema.File, schema.URL:
		return true
	case schema.Tags, schema.List:
		return f.Items != nil && (f.Items.Control == schema.File || f.Items.Control == schema.URL)
	case schema.Choice:
		for _, c := range f.Choices {
			if holdsFiles(c) {
				return true
			}
		}
	}
	return false
}

// Input returns the field an image is given to as input, or nil: the first that Takes, the mask
// excepted.
func Input(fields []schema.Field) *schema.Field {
	for i := range fields {
		if Takes(fields[i]) && fields[i].Name != "mask" {
			return &fields[i]
		}
	}
	return nil
}

// Checked is what Check found of one file of a field's value.
type Checked struct {
	// Key is the form key of the file: the field's name, or "name.i" for a list's item i.
	Key string
	// Info is what its header says, when it could be read.
	Info Info
	// Err is the rule it breaks, nil when it is fine.
	Err error
}

// Check checks the files a value of an image field holds against the field's rules r; a value
// whose content cannot be read at all gives one Checked with the error.
func Check(f schema.Field, v json.RawMessage, r Rules) []Checked {
	files, err := Files(v)
	if err != nil {
		return []Checked{{Key: f.Name, Err: err}}
	}
	out := make([]Checked, 0, len(files))
	for _, fl := range files {
		key := f.Name
		if fl.Index >= 0 {
			key += "." + strconv.Itoa(fl.Index)
		}
		info, err := r.CheckData(fl.Data)
		out = append(out, Checked{Key: key, Info: info, Err: err})
	}
	return out
}

// MaskProblem checks a mask against its image, given what Check found of the fields "image" (its
// first file) and "mask": the error of a mask of another size, nil when they match or either is
// missing or unreadable.
func MaskProblem(image, mask []Checked) error {
	if len(image) == 0 || len(mask) == 0 || image[0].Err != nil || mask[0].Err != nil {
		return nil
	}
	return CheckMask(image[0].Info, mask[0].Info)
}
