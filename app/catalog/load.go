package catalog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode"

	"playground/app/kind"
	"playground/app/schema"
)

// defaultFile is the catalogue's model list inside an embedded catalogue file system.
const defaultFile = "models.json"

// listFile is the shape of models.json: model metadata, each naming its OpenAPI document under
// schemas/.
type listFile struct {
	Models []struct {
		Model
		Schema string `json:"schema"`
	} `json:"models"`
}

// genericSchemas are the shared documents a model falls back on (marked Generic), by the endpoint
// each describes.
var genericSchemas = map[string]string{
	"chat.json":       ChatCompletions,
	"images.json":     "/v1/images/generations",
	"embeddings.json": "/v1/embeddings",
	"video.json":      "/v2/video/generations",
	"music.json":      "/v2/generate/audio",
	"stt.json":        "/v1/stt/create",
	"tts.json":        "/v1/tts",
	"ocr.json":        "/v1/ocr",
}

// LoadDefault builds a catalogue from a file system holding models.json and the OpenAPI documents it
// names under schemas/ (the layout of the embedded default catalogue). Every model is assigned to
// provider. A model whose entry names no schema is listed without one: it opens, and says that the
// playground cannot run it yet.
func LoadDefault(fsys fs.FS, provider string) (*Catalog, error) {
	b, err := fs.ReadFile(fsys, defaultFile)
	if err != nil {
		return nil, fmt.Errorf("reading catalogue: %w", err)
	}
	var list listFile
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("parsing catalogue %s: %w", defaultFile, err)
	}
	docs := map[string]*schema.Document{}
	c := &Catalog{}
	for i, m := range list.Models {
		if m.ID == "" {
			return nil, fmt.Errorf("%s: models[%d]: id is empty", defaultFile, i)
		}
		endpoint := m.Endpoint
		if endpoint == "" {
			endpoint = ChatCompletions
		}
		model := m.Model
		model.Endpoint = endpoint
		model.Provider = provider
		model.Kind = kindName(endpoint)
		if m.Schema == "" {
			model.Unsupported = true
			c.Put(&Entry{Model: model, Source: "embedded:models.json"})
			continue
		}
		doc, ok := docs[m.Schema]
		if !ok {
			name := path.Join("schemas", m.Schema)
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("%s: model %q: %w", defaultFile, m.ID, err)
			}
			if doc, err = parse(data); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			docs[m.Schema] = doc
		}
		op := doc.Operation("POST", endpoint)
		if op == nil {
			return nil, fmt.Errorf("%s: model %q: schemas/%s has no POST %s", defaultFile, m.ID, m.Schema, endpoint)
		}
		_, model.Generic = genericSchemas[m.Schema]
		model.Unsupported = !runs(endpoint)
		c.Put(&Entry{Model: model, Operation: op, Source: "embedded:" + m.Schema})
	}
	return c, nil
}

// LoadGeneric returns the shared operations of the embedded catalogue by endpoint path (chat,
// images, embeddings): the forms Merge gives models whose own schema is unknown. fsys has the
// layout LoadDefault reads.
func LoadGeneric(fsys fs.FS) (map[string]*schema.Operation, error) {
	out := map[string]*schema.Operation{}
	for file, endpoint := range genericSchemas {
		data, err := fs.ReadFile(fsys, "schemas/"+file)
		if err != nil {
			return nil, fmt.Errorf("reading generic schema %s: %w", file, err)
		}
		doc, err := parse(data)
		if err != nil {
			return nil, fmt.Errorf("schemas/%s: %w", file, err)
		}
		op := doc.Operation("POST", endpoint)
		if op == nil {
			return nil, fmt.Errorf("schemas/%s has no POST %s", file, endpoint)
		}
		out[endpoint] = op
	}
	return out, nil
}

// parse reads an OpenAPI document and prepares its model operations (see Operations).
func parse(data []byte) (*schema.Document, error) {
	doc, err := schema.Parse(data)
	if err != nil {
		return nil, err
	}
	doc.Operations = Operations(doc)
	return doc, nil
}

// Operations returns the document's model operations: its POST operations of a known endpoint
// kind, each on its canonical path (an operation the document lists with and without its version
// prefix is kept once, the versioned one winning) and prepared by its kind (the fields the run
// area fills are marked), in order of the kinds' preference.
func Operations(doc *schema.Document) []*schema.Operation {
	var out []*schema.Operation
	at := map[string]int{}
	for _, op := range doc.Operations {
		k := kind.For(op.Path)
		if op.Method != "POST" || k == nil {
			continue
		}
		canon := kind.Canonical(op.Path)
		i, dup := at[canon]
		if dup && op.Path != canon {
			continue
		}
		op.Path = canon
		k.Prepare(op)
		if dup {
			out[i] = op
			continue
		}
		at[canon] = len(out)
		out = append(out, op)
	}
	sort.SliceStable(out, func(i, j int) bool { return kind.Rank(kind.For(out[i].Path)) < kind.Rank(kind.For(out[j].Path)) })
	return out
}

// kindName is the name of the endpoint kind of path, "" when unknown.
func kindName(path string) string {
	if k := kind.For(path); k != nil {
		return k.Name()
	}
	return ""
}

// runs reports whether the playground runs the endpoint kind of path.
func runs(path string) bool {
	k := kind.For(path)
	return k != nil && k.Runs()
}

// DirReport says what loading a directory of OpenAPI files did.
type DirReport struct {
	// Files is the number of .json files read.
	Files int
	// Models is the number of models whose schema the directory set or replaced.
	Models int
	// Operations is the number of (model, operation) pairs the directory set or replaced.
	Operations int
	// Skipped lists files that were not used, with the reason.
	Skipped []string
}

// LoadDir reads every .json file below root (in fsys) as an OpenAPI document, one per model in the
// AI/ML API documentation's format, and puts each model of each of its model operations (every
// endpoint kind, see Operations) into c: a model already in c keeps its metadata and gets the
// file's operation (replacing one on the same path; the main operation is the one of the kind
// the playground prefers, chat before Responses before Messages); a new model is added with a
// name derived from its id and the developer taken from the folder name. Files that are not valid
// JSON, not OpenAPI documents or hold no model operation are reported in the DirReport, not
// fatal: a directory of real documentation is expected to hold some.
func LoadDir(c *Catalog, fsys fs.FS, root, provider string) (DirReport, error) {
	var rep DirReport
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("reading schema directory: %w", err)
	}
	sort.Strings(files)
	for _, p := range files {
		rep.Files++
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return rep, fmt.Errorf("reading %s: %w", p, err)
		}
		doc, err := parse(data)
		if err != nil {
			if errors.Is(err, schema.ErrNotOpenAPI) {
				rep.Skipped = append(rep.Skipped, p+": "+err.Error())
			} else {
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", p, err))
			}
			continue
		}
		if len(doc.Operations) == 0 {
			rep.Skipped = append(rep.Skipped, p+": no model operation (chat, images, embeddings, video, audio, OCR…)")
			continue
		}
		used := false
		models := map[string]bool{}
		for _, op := range doc.Operations {
			for _, id := range op.Models {
				c.putOperation(id, op, "file:"+p, developerFromPath(p), provider)
				models[id] = true
				rep.Operations++
				used = true
			}
		}
		rep.Models += len(models)
		if !used {
			rep.Skipped = append(rep.Skipped, p+": the request body's model property lists no model ids")
		}
	}
	return rep, nil
}

// putOperation gives model id at provider the operation op from source: a new entry, or one more
// (or a replaced) operation of the existing one.
func (c *Catalog) putOperation(id string, op *schema.Operation, source, developer, provider string) {
	old, ok := c.Lookup(id, provider)
	if !ok {
		m := Model{ID: id, Name: NameFromID(id), Developer: developer, Endpoint: op.Path, Kind: kindName(op.Path),
			Provider: provider, Unsupported: !runs(op.Path)}
		c.Put(&Entry{Model: m, Operation: op, Source: source})
		return
	}
	e := &Entry{Model: old.Model, Source: old.Source} // an alias gives the file's schema to the model it names
	e.Model.Provider = provider
	var ops []*schema.Operation
	if old.Operation != nil {
		ops = append(ops, old.Operation)
	}
	ops = append(ops, old.Others...)
	replaced := false
	for i, o := range ops {
		if o.Path == op.Path {
			ops[i], replaced = op, true
		}
	}
	if !replaced {
		ops = append(ops, op)
	}
	sort.SliceStable(ops, func(i, j int) bool { return kind.Rank(kind.For(ops[i].Path)) < kind.Rank(kind.For(ops[j].Path)) })
	e.Operation, e.Others = ops[0], ops[1:]
	if e.Operation == op {
		e.Source = source
	}
	e.Model.Generic = old.Model.Generic && e.Operation == old.Operation
	e.Model.Endpoint, e.Model.Kind = e.Operation.Path, kindName(e.Operation.Path)
	e.Model.Unsupported = !runs(e.Operation.Path)
	c.Put(e)
}

// developerFromPath takes the developer from the folder that holds a schema file, as the AI/ML API
// documentation lays them out: text-models-llm/<Developer>/<model>.json.
func developerFromPath(p string) string {
	dir := path.Base(path.Dir(p))
	if dir == "." || dir == "/" {
		return ""
	}
	return strings.ReplaceAll(dir, "-", " ")
}

// NameFromID derives a readable name from a model id: the part after the last slash, with dashes as
// spaces and each word capitalised ("meta-llama/llama-3-8b" → "Llama 3 8b").
func NameFromID(id string) string {
	base := id
	if i := strings.LastIndex(id, "/"); i >= 0 {
		base = id[i+1:]
	}
	words := strings.FieldsFunc(base, func(r rune) bool { return r == '-' || r == '_' })
	for i, w := range words {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	if len(words) == 0 {
		return id
	}
	return strings.Join(words, " ")
}
