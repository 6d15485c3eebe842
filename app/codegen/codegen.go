// Package codegen writes the request the playground sends as code to run elsewhere: curl, Python
// (requests and the openai SDK), JavaScript (fetch and the openai SDK) and Go (net/http).
//
// The snippets that send the body as raw bytes (curl, Python requests, JavaScript fetch, Go) embed
// it so that the bytes sent are exactly [Request.Body]; the SDK snippets parse it and pass the
// parameters, so the SDK re-encodes them (same JSON values, not necessarily the same bytes).
//
// A multipart/form-data request ([Request.Form], as image edits and speech to text send files) is
// written part by part: text fields as their values and files read from local files beside the
// script, with the parts' file names and types.
//
// The package is pure (no go-app import): it is tested on the host and under GOOS=js.
package codegen

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"playground/app/upload"
)

// Request is the request to write as code.
type Request struct {
	// BaseURL is the provider's API base including its version prefix, e.g.
	// "https://api.aimlapi.com/v1".
	BaseURL string
	// Path is the operation's path below BaseURL, e.g. "/chat/completions".
	Path string
	// KeyPlaceholder stands for the API key, e.g. "<YOUR_AIMLAPI_KEY>" (see [Placeholder]).
	KeyPlaceholder string
	// KeyEnv names the environment variable the Python, JavaScript and Go snippets read the key
	// from, e.g. "AIMLAPI_API_KEY"; "" means "API_KEY".
	KeyEnv string
	// Body is the exact request body.
	Body []byte
	// Stream says whether the request streams its answer (server-sent events).
	Stream bool
	// SDK is the OpenAI SDK method that sends the request, e.g. "images.generate" or
	// "embeddings.create"; "" means "chat.completions.create", and "-" that the SDK has no method
	// for the operation (the SDK snippets are left out).
	SDK string
	// Form, when set, makes the request multipart/form-data: these parts, in order (see
	// [upload.Parts]), and Body is what View code's "JSON body" tab shows, not what is sent. The
	// snippets read each file part from a local file named after it, next to the script. The SDK
	// snippets are left out unless SDK is "images.edit", which the SDKs send as a form.
	Form []upload.Part
}

// sdkOutput is what the SDK snippets print of an answer, by method: Python, then JavaScript.
var sdkOutput = map[string][2]string{
	"chat.completions.create": {"print(response.choices[0].message.content)\n", "console.log(response.choices[0].message.content);\n"},
	"images.generate":         {"for image in response.data:\n    print(image.url or f\"{len(image.b64_json)} base64 characters\")\n", "for (const image of response.data) console.log(image.url ?? `${image.b64_json.length} base64 characters`);\n"},
	"images.edit":             {"for image in response.data:\n    print(image.url or f\"{len(image.b64_json)} base64 characters\")\n", "for (const image of response.data) console.log(image.url ?? `${image.b64_json.length} base64 characters`);\n"},
	"embeddings.create":       {"for item in response.data:\n    print(item.index, len(item.embedding), item.embedding[:4])\n", "for (const item of response.data) console.log(item.index, item.embedding.length, item.embedding.slice(0, 4));\n"},
	"responses.create":        {"print(response.output_text)\n", "console.log(response.output_text);\n"},
}

// sdk is the request's SDK method.
func (r Request) sdk() string {
	if r.SDK == "" {
		return "chat.completions.create"
	}
	return r.SDK
}

// Snippet is the request as code in one language.
type Snippet struct {
	ID       string // "curl", "python-requests", "python-openai", "js-fetch", "js-openai", "go"
	Label    string // for a tab, e.g. "Python (requests)"
	Language string // "shell", "python", "javascript" or "go"
	Code     string
}

// Placeholder is the key placeholder for a provider: "<YOUR_AIMLAPI_KEY>" for "aimlapi", else
// "<YOUR_NAME_KEY>" with the name upper-cased and anything but letters and digits as "_".
func Placeholder(provider string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(provider) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "<YOUR_API_KEY>"
	}
	return "<YOUR_" + b.String() + "_KEY>"
}

// Snippets returns the request as code, in the order curl, python-requests, python-openai,
// js-fetch, js-openai, go.
func Snippets(r Request) []Snippet {
	if r.KeyPlaceholder == "" {
		r.KeyPlaceholder = "<YOUR_API_KEY>"
	}
	if r.KeyEnv == "" {
		r.KeyEnv = "API_KEY"
	}
	out := []Snippet{
		{ID: "curl", Label: "curl", Language: "shell", Code: curl(r)},
		{ID: "python-requests", Label: "Python (requests)", Language: "python", Code: pythonRequests(r)},
		{ID: "python-openai", Label: "Python (openai)", Language: "python", Code: pythonOpenAI(r)},
		{ID: "js-fetch", Label: "JavaScript (fetch)", Language: "javascript", Code: jsFetch(r)},
		{ID: "js-openai", Label: "JavaScript (openai)", Language: "javascript", Code: jsOpenAI(r)},
		{ID: "go", Label: "Go (net/http)", Language: "go", Code: goHTTP(r)},
	}
	if r.SDK == "-" || len(r.Form) > 0 && r.sdk() != "images.edit" {
		out = append(out[:2:2], out[3], out[5])
	}
	return out
}

func (r Request) url() string { return strings.TrimRight(r.BaseURL, "/") + r.Path }

const rawNote = "the body is sent byte-for-byte as the playground sends it"

const sdkNote = "the SDK re-encodes the parameters: same JSON values, not necessarily the same bytes"

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func curl(r Request) string {
	if len(r.Form) > 0 {
		return curlForm(r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s.\n", upperFirst(rawNote))
	body := string(r.Body)
	flags := "-sS"
	if r.Stream {
		flags = "-sS -N" // print the events as they arrive
	}
	head := fmt.Sprintf("curl %s %s \\\n  -H %s \\\n  -H 'Content-Type: application/json' \\\n",
		flags, shellQuote(r.url()), shellQuote("Authorization: Bearer "+r.KeyPlaceholder))
	// A quoted here-document needs no escaping; command substitution drops trailing newlines and
	// a value starting with @ names a file, so those bodies (and ones with NUL) go through printf.
	if body != "" && !strings.HasSuffix(body, "\n") && !strings.HasPrefix(body, "@") && !strings.ContainsRune(body, 0) {
		delim := "EOF"
		for i := 1; strings.Contains(body, delim); i++ {
			delim = "EOF" + strconv.Itoa(i)
		}
		b.WriteString(head)
		fmt.Fprintf(&b, "  --data-binary \"$(cat <<'%s'\n%s\n%s\n)\"\n", delim, body, delim)
		return b.String()
	}
	if strings.ContainsRune(body, 0) {
		// An argument cannot hold NUL: printf writes it from the escape \000 in its format.
		format := strings.NewReplacer(`\`, `\\`, "%", "%%", "\x00", `\000`).Replace(body)
		fmt.Fprintf(&b, "printf %s |\n", shellQuote(format))
	} else {
		fmt.Fprintf(&b, "printf '%%s' %s |\n", shellQuote(body))
	}
	b.WriteString(head)
	b.WriteString("  --data-binary @-\n")
	return b.String()
}

// pythonString is a Python str literal whose value encodes (with the returned encode call) to body.
func pythonString(body []byte) (lit, encode string) {
	s := string(body)
	if utf8.ValidString(s) && !strings.Contains(s, "'''") && !strings.HasSuffix(s, "'") &&
		!strings.HasSuffix(s, `\`) && !strings.ContainsAny(s, "\r\x00") {
		return "r'''" + s + "'''", ".encode()"
	}
	lit, surrogate := pythonQuoted(s)
	if surrogate {
		return lit, `.encode("utf-8", "surrogateescape")`
	}
	return lit, ".encode()"
}

// pythonQuoted is a double-quoted Python str literal of s; surrogate says that s is not UTF-8 and
// the literal holds its stray bytes as the surrogates that "surrogateescape" encodes back to them.
func pythonQuoted(s string) (lit string, surrogate bool) {
	var b strings.Builder
	b.WriteByte('"')
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\udc%02x`, s[0]) // surrogateescape gives the byte back
			surrogate = true
		case r == '\\' || r == '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r == 0x2028 || r == 0x2029 || r == 0xfeff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		s = s[n:]
	}
	b.WriteByte('"')
	return b.String(), surrogate
}

func pythonRequests(r Request) string {
	if len(r.Form) > 0 {
		return pythonRequestsForm(r)
	}
	lit, encode := pythonString(r.Body)
	var b strings.Builder
	b.WriteString("import os\n\nimport requests\n\n")
	fmt.Fprintf(&b, "url = %s\n", strconv.Quote(r.url()))
	fmt.Fprintf(&b, "headers = {\n    \"Authorization\": \"Bearer \" + (os.environ.get(%s) or %s),\n    \"Content-Type\": \"application/json\",\n}\n",
		strconv.Quote(r.KeyEnv), strconv.Quote(r.KeyPlaceholder))
	fmt.Fprintf(&b, "# %s.\nbody = %s\n\n", upperFirst(rawNote), lit)
	pythonPost(&b, r, "data=body"+encode)
	return b.String()
}

// pythonPost writes the requests.post call with args after url and headers, and what prints its
// answer.
func pythonPost(b *strings.Builder, r Request, args string) {
	if r.Stream {
		fmt.Fprintf(b, "with requests.post(url, headers=headers, %s, stream=True) as resp:\n", args)
		b.WriteString("    if not resp.ok:\n        print(resp.status_code, resp.text)\n")
		b.WriteString("    for line in resp.iter_lines(decode_unicode=True):\n        if line:\n            print(line, flush=True)\n")
	} else {
		fmt.Fprintf(b, "resp = requests.post(url, headers=headers, %s)\n", args)
		b.WriteString("if not resp.ok:\n    print(resp.status_code)\nprint(resp.text)\n")
	}
}

func pythonOpenAI(r Request) string {
	body, name := r.Body, "body"
	if len(r.Form) > 0 {
		body, name = sdkParams(r), "params"
	}
	lit, encode := pythonString(body)
	if encode != ".encode()" {
		lit += encode + `.decode("utf-8", "replace")`
	}
	var b strings.Builder
	b.WriteString("import json\nimport os\n\nfrom openai import OpenAI\n\n")
	fmt.Fprintf(&b, "client = OpenAI(\n    base_url=%s,\n    api_key=(os.environ.get(%s) or %s),\n)\n",
		strconv.Quote(strings.TrimRight(r.BaseURL, "/")), strconv.Quote(r.KeyEnv), strconv.Quote(r.KeyPlaceholder))
	if len(r.Form) > 0 {
		b.WriteString(saveNote("#", r.Form))
	}
	fmt.Fprintf(&b, "%s = %s\n\n# %s.\n", name, lit, upperFirst(sdkNote))
	if len(r.Form) > 0 {
		pythonSDKFiles(&b, r)
	} else {
		fmt.Fprintf(&b, "response = client.%s(**json.loads(body))\n", r.sdk())
	}
	switch {
	case r.Stream && r.sdk() == "chat.completions.create":
		b.WriteString("for chunk in response:\n    if chunk.choices:\n        print(chunk.choices[0].delta.content or \"\", end=\"\", flush=True)\nprint()\n")
	case r.Stream:
		b.WriteString("for event in response:\n    print(event, flush=True)\n")
	default:
		b.WriteString(sdkOutput[r.sdk()][0])
	}
	return b.String()
}

// jsString is a JavaScript expression whose string value is body: a String.raw template when that
// reproduces it, else a JSON string literal; a body that is not UTF-8 is a Uint8Array of its bytes.
func jsString(body []byte) string {
	s := string(body)
	if !utf8.ValidString(s) {
		return "Uint8Array.from(atob(" + strconv.Quote(base64.StdEncoding.EncodeToString(body)) + "), (c) => c.charCodeAt(0))"
	}
	if !strings.ContainsAny(s, "`\r") && !strings.Contains(s, "${") && !strings.HasSuffix(s, `\`) {
		return "String.raw`" + s + "`"
	}
	return jsQuote(s)
}

// jsQuote is a JSON string literal of s, which JavaScript reads as the same string (bytes that are
// not UTF-8 become U+FFFD).
func jsQuote(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

func jsKey(r Request) string {
	return fmt.Sprintf("process.env.%s || %s", r.KeyEnv, strconv.Quote(r.KeyPlaceholder))
}

func jsFetch(r Request) string {
	if len(r.Form) > 0 {
		return jsFetchForm(r)
	}
	var b strings.Builder
	b.WriteString("// Node 18+; save as an .mjs file for top-level await.\n")
	fmt.Fprintf(&b, "// %s.\nconst body = %s;\n\n", upperFirst(rawNote), jsString(r.Body))
	fmt.Fprintf(&b, "const resp = await fetch(%s, {\n  method: \"POST\",\n  headers: {\n    Authorization: `Bearer ${%s}`,\n    \"Content-Type\": \"application/json\",\n  },\n  body,\n});\n",
		strconv.Quote(r.url()), jsKey(r))
	jsPrint(&b, r)
	return b.String()
}

// jsPrint writes what prints the answer resp of a fetch.
func jsPrint(b *strings.Builder, r Request) {
	if r.Stream {
		b.WriteString("if (!resp.ok) console.error(resp.status, await resp.text());\n")
		b.WriteString("const decoder = new TextDecoder();\nfor await (const part of resp.body) {\n  process.stdout.write(decoder.decode(part, { stream: true }));\n}\n")
	} else {
		b.WriteString("if (!resp.ok) console.error(resp.status);\nconsole.log(await resp.text());\n")
	}
}

func jsOpenAI(r Request) string {
	body, name := r.Body, "body"
	if len(r.Form) > 0 {
		body, name = sdkParams(r), "params"
	}
	var b strings.Builder
	b.WriteString("// npm install openai; save as an .mjs file for top-level await.\n")
	if len(r.Form) > 0 {
		b.WriteString("import fs from \"node:fs\";\nimport OpenAI, { toFile } from \"openai\";\n\n")
	} else {
		b.WriteString("import OpenAI from \"openai\";\n\n")
	}
	fmt.Fprintf(&b, "const client = new OpenAI({\n  baseURL: %s,\n  apiKey: %s,\n});\n",
		strconv.Quote(strings.TrimRight(r.BaseURL, "/")), jsKey(r))
	lit := jsString(body)
	if !utf8.Valid(body) {
		lit = "new TextDecoder().decode(" + lit + ")"
	}
	if len(r.Form) > 0 {
		b.WriteString(saveNote("//", r.Form))
	}
	fmt.Fprintf(&b, "const %s = %s;\n\n// %s.\n", name, lit, upperFirst(sdkNote))
	if len(r.Form) > 0 {
		b.WriteString(jsLineBreaks(r.Form))
		jsSDKFiles(&b, r)
	} else {
		fmt.Fprintf(&b, "const response = await client.%s(JSON.parse(body));\n", r.sdk())
	}
	switch {
	case r.Stream && r.sdk() == "chat.completions.create":
		b.WriteString("for await (const chunk of response) {\n  process.stdout.write(chunk.choices[0]?.delta?.content ?? \"\");\n}\nconsole.log();\n")
	case r.Stream:
		b.WriteString("for await (const event of response) console.log(event);\n")
	default:
		b.WriteString(sdkOutput[r.sdk()][1])
	}
	return b.String()
}

// goString is a Go string literal of body: a raw literal when that reproduces it, else quoted.
func goString(body []byte) string {
	s := string(body)
	if utf8.ValidString(s) && !strings.ContainsAny(s, "`\r\x00\ufeff") {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func goHTTP(r Request) string {
	if len(r.Form) > 0 {
		return goHTTPForm(r)
	}
	var b strings.Builder
	b.WriteString("package main\n\nimport (\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n\t\"os\"\n\t\"strings\"\n)\n\n")
	fmt.Fprintf(&b, "// body: %s.\nconst body = %s\n\n", rawNote, goString(r.Body))
	fmt.Fprintf(&b, "func main() {\n\tkey := os.Getenv(%s)\n\tif key == \"\" {\n\t\tkey = %s\n\t}\n", strconv.Quote(r.KeyEnv), strconv.Quote(r.KeyPlaceholder))
	fmt.Fprintf(&b, "\treq, err := http.NewRequest(\"POST\", %s, strings.NewReader(body))\n", strconv.Quote(r.url()))
	b.WriteString("\tif err != nil {\n\t\tpanic(err)\n\t}\n")
	b.WriteString("\treq.Header.Set(\"Authorization\", \"Bearer \"+key)\n\treq.Header.Set(\"Content-Type\", \"application/json\")\n")
	b.WriteString("\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tdefer resp.Body.Close()\n")
	b.WriteString("\tif resp.StatusCode != http.StatusOK {\n\t\tfmt.Fprintln(os.Stderr, resp.Status)\n\t}\n")
	if r.Stream {
		b.WriteString("\t// The answer streams as server-sent events; copy them as they arrive.\n")
	}
	b.WriteString("\tif _, err := io.Copy(os.Stdout, resp.Body); err != nil {\n\t\tpanic(err)\n\t}\n}\n")
	return b.String()
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
