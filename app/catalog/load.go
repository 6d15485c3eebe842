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

// genericSchemas are the shared documents a model falls back on (marked Generic).
var genericSchemas = map[string]bool{"chat.json": true, "chat-reasoning.json": true}

// LoadDefault builds a catalogue from a file system holding models.json and the OpenAPI documents it
// names under schemas/ (the layout of the embedded default catalogue). Every model is assigned to
// provider.
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
		doc, ok := docs[m.Schema]
		if !ok {
			name := path.Join("schemas", m.Schema)
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("%s: model %q: %w", defaultFile, m.ID, err)
			}
			if doc, err = schema.Parse(data); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			docs[m.Schema] = doc
		}
		endpoint := m.Endpoint
		if endpoint == "" {
			endpoint = ChatCompletions
		}
		op := doc.Operation("POST", endpoint)
		if op == nil {
			return nil, fmt.Errorf("%s: model %q: schemas/%s has no POST %s", defaultFile, m.ID, m.Schema, endpoint)
		}
		model := m.Model
		model.Endpoint = endpoint
		model.Provider = provider
		model.Generic = genericSchemas[m.Schema]
		c.Put(&Entry{Model: model, Operation: op, Source: "embedded:" + m.Schema})
	}
	return c, nil
}

// LoadGeneric returns the shared operations of the embedded catalogue by endpoint path (today the
// chat form of schemas/chat.json): the forms Merge gives models whose own schema is unknown. fsys
// has the layout LoadDefault reads.
func LoadGeneric(fsys fs.FS) (map[string]*schema.Operation, error) {
	data, err := fs.ReadFile(fsys, "schemas/chat.json")
	if err != nil {
		return nil, fmt.Errorf("reading generic chat schema: %w", err)
	}
	doc, err := schema.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("schemas/chat.json: %w", err)
	}
	op := chatOperation(doc)
	if op == nil {
		return nil, fmt.Errorf("schemas/chat.json has no POST %s", ChatCompletions)
	}
	return map[string]*schema.Operation{ChatCompletions: op}, nil
}

// DirReport says what loading a directory of OpenAPI files did.
type DirReport struct {
	// Files is the number of .json files read.
	Files int
	// Models is the number of models whose schema the directory set or replaced.
	Models int
	// Skipped lists files that were not used, with the reason.
	Skipped []string
}

// LoadDir reads every .json file below root (in fsys) as an OpenAPI document, one per model in the
// AI/ML API documentation's format, and puts each model of each chat-completions operation into c:
// a model already in c keeps its metadata and gets the file's schema; a new model is added with a
// name derived from its id and the developer taken from the folder name. Files that are not valid
// JSON or not OpenAPI documents are reported in the DirReport, not fatal: a directory of real
// documentation is expected to hold some.
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
		doc, err := schema.Parse(data)
		if err != nil {
			if errors.Is(err, schema.ErrNotOpenAPI) {
				rep.Skipped = append(rep.Skipped, p+": "+err.Error())
			} else {
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s: %v", p, err))
			}
			continue
		}
		op := chatOperation(doc)
		if op == nil {
			rep.Skipped = append(rep.Skipped, p+": no chat-completions operation")
			continue
		}
		if len(op.Models) == 0 {
			rep.Skipped = append(rep.Skipped, p+": the request body's model property lists no model ids")
			continue
		}
		for _, id := range op.Models {
			model := Model{ID: id, Name: NameFromID(id), Developer: developerFromPath(p), Endpoint: ChatCompletions}
			if old, ok := c.Lookup(id, provider); ok {
				model = old.Model // an alias gives the file's schema to the model it names
			}
			model.Provider = provider
			model.Generic = false
			c.Put(&Entry{Model: model, Operation: op, Source: "file:" + p})
			rep.Models++
		}
	}
	return rep, nil
}

// chatOperation returns the document's chat-completions operation; the AI/ML API documents list it
// both with and without the /v1 prefix.
func chatOperation(doc *schema.Document) *schema.Operation {
	if op := doc.Operation("POST", ChatCompletions); op != nil {
		return op
	}
	return doc.Operation("POST", strings.TrimPrefix(ChatCompletions, "/v1"))
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
