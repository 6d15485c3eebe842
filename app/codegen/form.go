package codegen

// The snippets of a multipart/form-data request ([Request.Form]): each reads its file parts from
// local files, named after the parts, in the folder it runs in.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"playground/app/upload"
)

// localPaths returns, index by index with form, the local file each file part is read from ("" for
// a text part): the part's file name with path separators and control characters as "_" (the
// field's name and the type's extension when nothing is left), and a "-2", "-3"… before the
// extension when two parts would share a file.
func localPaths(form []upload.Part) []string {
	out := make([]string, len(form))
	used := map[string]bool{}
	for i, p := range form {
		if p.File == nil {
			continue
		}
		var b strings.Builder
		for _, c := range strings.ToValidUTF8(p.File.Name, "_") {
			if c < 0x20 || c == 0x7f || c == '/' || c == '\\' || c == utf8.RuneError {
				c = '_'
			}
			b.WriteRune(c)
		}
		name := strings.TrimSpace(b.String())
		if name == "" || name == "." || name == ".." || name == "-" {
			name = p.Name + upload.Extension(p.File.Type)
		}
		ext := path.Ext(name)
		local := name
		for n := 2; used[local]; n++ {
			local = strings.TrimSuffix(name, ext) + "-" + strconv.Itoa(n) + ext
		}
		used[local] = true
		out[i] = local
	}
	return out
}

// saveNote is the comment line, after the comment marker, that tells which files to put beside the
// script; "" when the form has none.
func saveNote(marker string, form []upload.Part) string {
	var names []string
	for _, p := range localPaths(form) {
		if p != "" {
			names = append(names, p)
		}
	}
	if len(names) == 0 {
		return ""
	}
	list := strings.Join(names, ", ")
	if n := len(names); n > 1 {
		list = strings.Join(names[:n-1], ", ") + " and " + names[n-1]
	}
	return marker + " Save " + list + " next to this script and run it from that folder.\n"
}

// partType is a file part's Content-Type, application/octet-stream when it has none (as
// [upload.Writer] sends it).
func partType(f *upload.File) string {
	if f.Type == "" {
		return "application/octet-stream"
	}
	return f.Type
}

// sentName is the file name a file part is sent with, as the languages' strings hold it.
func sentName(f *upload.File) string { return strings.ToValidUTF8(f.Name, "\uFFFD") }

var curlPlain = regexp.MustCompile(`^[A-Za-z0-9._+-]+$`)

// curlWord is s as a word of a curl -F value: as it is when it is plain, else double-quoted with
// \ and " escaped (so ; , and " in a file name do not end it).
func curlWord(s string) string {
	if curlPlain.MatchString(s) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

func curlForm(r Request) string {
	var b strings.Builder
	b.WriteString(saveNote("#", r.Form))
	flags := "-sS"
	if r.Stream {
		flags = "-sS -N"
	}
	fmt.Fprintf(&b, "curl %s %s \\\n  -H %s", flags, shellQuote(r.url()), shellQuote("Authorization: Bearer "+r.KeyPlaceholder))
	paths := localPaths(r.Form)
	for i, p := range r.Form {
		b.WriteString(" \\\n  ")
		if p.File == nil {
			// --form-string sends the value as it is: -F would read a file for @ and < and cut at ;type=.
			// (A value cannot hold NUL: no argument can.)
			fmt.Fprintf(&b, "--form-string %s", shellQuote(p.Name+"="+p.Value))
			continue
		}
		v := p.Name + "=@" + curlWord(paths[i])
		if name := sentName(p.File); name != paths[i] {
			v += ";filename=" + curlWord(name)
		}
		v += ";type=" + partType(p.File) // last: a type may hold "; charset=…"
		fmt.Fprintf(&b, "-F %s", shellQuote(v))
	}
	b.WriteString("\n")
	return b.String()
}

// pythonText is a Python literal of a text part's value: a str, or bytes when s is not UTF-8.
func pythonText(s string) string {
	lit, surrogate := pythonQuoted(s)
	if surrogate {
		return lit + `.encode("utf-8", "surrogateescape")`
	}
	return lit
}

// pythonFile is the (file name, file, type) tuple of a file part read from the local file.
func pythonFile(f *upload.File, local string) string {
	name, _ := pythonQuoted(sentName(f))
	p, _ := pythonQuoted(local)
	t, _ := pythonQuoted(partType(f))
	return fmt.Sprintf("(%s, open(%s, \"rb\"), %s)", name, p, t)
}

func pythonRequestsForm(r Request) string {
	var b strings.Builder
	b.WriteString("import os\n\nimport requests\n\n")
	fmt.Fprintf(&b, "url = %s\n", strconv.Quote(r.url()))
	fmt.Fprintf(&b, "headers = {\"Authorization\": \"Bearer \" + (os.environ.get(%s) or %s)}\n",
		strconv.Quote(r.KeyEnv), strconv.Quote(r.KeyPlaceholder))
	b.WriteString(saveNote("#", r.Form))
	paths := localPaths(r.Form)
	hasFile := false
	for _, p := range r.Form {
		hasFile = hasFile || p.File != nil
	}
	var data, files []string
	for i, p := range r.Form {
		name, _ := pythonQuoted(p.Name)
		switch {
		case p.File != nil:
			files = append(files, fmt.Sprintf("(%s, %s)", name, pythonFile(p.File, paths[i])))
		case hasFile:
			data = append(data, fmt.Sprintf("(%s, %s)", name, pythonText(p.Value)))
		default: // requests sends a form without files urlencoded: (None, value) is a text part
			files = append(files, fmt.Sprintf("(%s, (None, %s))", name, pythonText(p.Value)))
		}
	}
	var args []string
	for _, list := range []struct {
		name  string
		items []string
	}{{"data", data}, {"files", files}} {
		if len(list.items) == 0 {
			continue
		}
		fmt.Fprintf(&b, "%s = [\n", list.name)
		for _, it := range list.items {
			fmt.Fprintf(&b, "    %s,\n", it)
		}
		b.WriteString("]\n")
		args = append(args, list.name+"="+list.name)
	}
	b.WriteString("\n")
	pythonPost(&b, r, strings.Join(args, ", "))
	return b.String()
}

func jsFetchForm(r Request) string {
	var b strings.Builder
	b.WriteString("// Node 18+; save as an .mjs file for top-level await.\n")
	b.WriteString(saveNote("//", r.Form))
	b.WriteString("import { readFile } from \"node:fs/promises\";\n\n")
	b.WriteString(jsLineBreaks(r.Form))
	b.WriteString("const form = new FormData();\n")
	paths := localPaths(r.Form)
	for i, p := range r.Form {
		if p.File == nil {
			fmt.Fprintf(&b, "form.append(%s, %s);\n", jsQuote(p.Name), jsQuote(p.Value))
			continue
		}
		fmt.Fprintf(&b, "form.append(%s, new Blob([await readFile(%s)], { type: %s }), %s);\n",
			jsQuote(p.Name), jsQuote(paths[i]), jsQuote(partType(p.File)), jsQuote(sentName(p.File)))
	}
	fmt.Fprintf(&b, "\nconst resp = await fetch(%s, {\n  method: \"POST\",\n  headers: { Authorization: `Bearer ${%s}` },\n  body: form,\n});\n",
		strconv.Quote(r.url()), jsKey(r))
	jsPrint(&b, r)
	return b.String()
}

func goHTTPForm(r Request) string {
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"bytes\"\n\t\"fmt\"\n\t\"io\"\n\t\"mime/multipart\"\n\t\"net/http\"\n\t\"net/textproto\"\n\t\"os\"\n)\n\n")
	b.WriteString("// part is one part of the form: a text field's value, or the file at path sent as name.\n")
	b.WriteString("type part struct{ field, value, path, name, contentType string }\n\n")
	fmt.Fprintf(&b, "// form is the request's parts, in order.\n%svar form = []part{\n", saveNote("//", r.Form))
	paths := localPaths(r.Form)
	for i, p := range r.Form {
		if p.File == nil {
			fmt.Fprintf(&b, "\t{field: %s, value: %s},\n", strconv.Quote(p.Name), strconv.Quote(p.Value))
			continue
		}
		fmt.Fprintf(&b, "\t{field: %s, path: %s, name: %s, contentType: %s},\n",
			strconv.Quote(p.Name), strconv.Quote(paths[i]), strconv.Quote(p.File.Name), strconv.Quote(partType(p.File)))
	}
	b.WriteString("}\n\n")
	fmt.Fprintf(&b, "func main() {\n\tkey := os.Getenv(%s)\n\tif key == \"\" {\n\t\tkey = %s\n\t}\n", strconv.Quote(r.KeyEnv), strconv.Quote(r.KeyPlaceholder))
	b.WriteString("\tvar body bytes.Buffer\n\tw := multipart.NewWriter(&body)\n\tfor _, p := range form {\n\t\tif err := p.write(w); err != nil {\n\t\t\tpanic(err)\n\t\t}\n\t}\n")
	b.WriteString("\tif err := w.Close(); err != nil {\n\t\tpanic(err)\n\t}\n")
	fmt.Fprintf(&b, "\treq, err := http.NewRequest(\"POST\", %s, &body)\n", strconv.Quote(r.url()))
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	b.WriteString("\treq.Header.Set(\"Authorization\", \"Bearer \"+key)\n\treq.Header.Set(\"Content-Type\", w.FormDataContentType())\n")
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tdefer resp.Body.Close()\n")
	b.WriteString("\tif resp.StatusCode != http.StatusOK {\n\t\tfmt.Fprintln(os.Stderr, resp.Status)\n\t}\n")
	if r.Stream {
		b.WriteString("\t// The answer streams as server-sent events; copy them as they arrive.\n")
	}
	b.WriteString("\tif _, err := io.Copy(os.Stdout, resp.Body); err != nil {\n\t\tpanic(err)\n\t}\n}\n\n")
	b.WriteString(`// write adds p to the form w.
func (p part) write(w *multipart.Writer) error {
	if p.path == "" {
		return w.WriteField(p.field, p.value)
	}
	f, err := os.Open(p.path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", multipart.FileContentDisposition(p.field, p.name))
	h.Set("Content-Type", p.contentType)
	dst, err := w.CreatePart(h)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, f)
	return err
}
`)
	return b.String()
}

// jsLineBreaks is the comment that FormData changes the line breaks of the form's text values,
// when one has some; "" otherwise.
func jsLineBreaks(form []upload.Part) string {
	for _, p := range form {
		if p.File == nil && strings.ContainsAny(p.Value, "\r\n") {
			return "// FormData sends the line breaks in text values as CRLF (\\r\\n), as browsers do.\n"
		}
	}
	return ""
}

// sdkParams is the JSON object of the form's text fields that the SDK snippets pass besides the
// files: each value as Body has it when the part's text is that value's JSON (so a number stays a
// number), else the part's text as a string. Fields that also carry files are left out.
func sdkParams(r Request) []byte {
	raw := map[string]json.RawMessage{}
	_ = json.Unmarshal(r.Body, &raw) // a body that is no object leaves every value as text
	files, seen := map[string]bool{}, map[string]bool{}
	for _, p := range r.Form {
		if p.File != nil {
			files[p.Name] = true
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for _, p := range r.Form {
		if p.File != nil || files[p.Name] || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		b.WriteString(jsQuote(p.Name) + ":")
		var s string
		var c bytes.Buffer
		if v, ok := raw[p.Name]; ok && json.Unmarshal(v, &s) != nil && json.Compact(&c, v) == nil && c.String() == p.Value {
			b.Write(c.Bytes())
		} else {
			b.WriteString(jsQuote(p.Value))
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// fileGroup is the file parts of one field, in the form's order.
type fileGroup struct {
	field string
	files []*upload.File
	paths []string
}

// fileGroups groups the form's file parts by field, the fields in the order they first appear.
func fileGroups(form []upload.Part) []fileGroup {
	var out []fileGroup
	at := map[string]int{}
	paths := localPaths(form)
	for i, p := range form {
		if p.File == nil {
			continue
		}
		j, ok := at[p.Name]
		if !ok {
			j = len(out)
			at[p.Name] = j
			out = append(out, fileGroup{field: p.Name})
		}
		out[j].files = append(out[j].files, p.File)
		out[j].paths = append(out[j].paths, paths[i])
	}
	return out
}

// pythonSDKFiles writes the SDK call with the form's files as keyword arguments (a list when a
// field has several) and the params.
func pythonSDKFiles(b *strings.Builder, r Request) {
	fmt.Fprintf(b, "response = client.%s(\n", r.sdk())
	for _, g := range fileGroups(r.Form) {
		if len(g.files) == 1 {
			fmt.Fprintf(b, "    %s=%s,\n", g.field, pythonFile(g.files[0], g.paths[0]))
			continue
		}
		fmt.Fprintf(b, "    %s=[\n", g.field)
		for i, f := range g.files {
			fmt.Fprintf(b, "        %s,\n", pythonFile(f, g.paths[i]))
		}
		b.WriteString("    ],\n")
	}
	b.WriteString("    **json.loads(params),\n)\n")
}

var jsIdent = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// jsSDKFiles writes the SDK call with the params and the form's files (openai's toFile, a list
// when a field has several).
func jsSDKFiles(b *strings.Builder, r Request) {
	fmt.Fprintf(b, "const response = await client.%s({\n  ...JSON.parse(params),\n", r.sdk())
	file := func(f *upload.File, local string) string {
		return fmt.Sprintf("await toFile(fs.createReadStream(%s), %s, { type: %s })", jsQuote(local), jsQuote(sentName(f)), jsQuote(partType(f)))
	}
	for _, g := range fileGroups(r.Form) {
		key := g.field
		if !jsIdent.MatchString(key) {
			key = jsQuote(key)
		}
		if len(g.files) == 1 {
			fmt.Fprintf(b, "  %s: %s,\n", key, file(g.files[0], g.paths[0]))
			continue
		}
		fmt.Fprintf(b, "  %s: [\n", key)
		for i, f := range g.files {
			fmt.Fprintf(b, "    %s,\n", file(f, g.paths[i]))
		}
		b.WriteString("  ],\n")
	}
	b.WriteString("});\n")
}
