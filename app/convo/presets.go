package convo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Preset format and limits.
const (
	// PresetsVersion is the version of the format written by
	// [MarshalPresets]; [UnmarshalPresets] reads it and no other.
	PresetsVersion = 1
	// MaxPresetName is the most characters a preset name may have.
	MaxPresetName = 60
)

// Preset is a named set of parameters for a model.
type Preset struct {
	// Name names the preset; it is unique among the model's presets.
	Name string `json:"name"`
	// Model is the model ID the preset belongs to.
	Model string `json:"model"`
	// Params holds the parameters that are set, as JSON values by name.
	Params map[string]json.RawMessage `json:"params,omitempty"`
}

// Presets is the list of saved presets, in order of model and name.
type Presets struct {
	// Items are the presets, ordered by model, then name (see
	// [Presets.For]).
	Items []Preset
}

// ValidatePresetName checks a preset name, as typed (spaces around it are
// ignored): it must not be empty, have more than [MaxPresetName]
// characters, or contain control characters such as a newline.
func ValidatePresetName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return fmt.Errorf("convo: preset name: %w", errors.New("is empty"))
	}
	if err := checkName(name, MaxPresetName); err != nil {
		return fmt.Errorf("convo: preset name %.20q: %w", name, err)
	}
	return nil
}

// checkPreset checks p and returns it with its name trimmed and params
// compacted.
func checkPreset(p Preset, path string) (Preset, error) {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return p, fieldErrorf(joinPath(path, "name"), "is empty")
	}
	if err := checkName(p.Name, MaxPresetName); err != nil {
		return p, &FieldError{Path: joinPath(path, "name"), Err: err}
	}
	if p.Model == "" {
		return p, fieldErrorf(joinPath(path, "model"), "is required")
	}
	if err := checkName(p.Model, maxShareName); err != nil {
		return p, &FieldError{Path: joinPath(path, "model"), Err: err}
	}
	params, err := checkParams(p.Params, joinPath(path, "params"))
	if err != nil {
		return p, err
	}
	p.Params = params
	return p, nil
}

// comparePresets orders presets by model, then name ignoring case, then
// name.
func comparePresets(a, b Preset) int {
	if c := strings.Compare(a.Model, b.Model); c != 0 {
		return c
	}
	if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		return c
	}
	return strings.Compare(a.Name, b.Name)
}

// Put returns the presets with p added, replacing the model's preset of the
// same name (after trimming spaces). The name must pass
// [ValidatePresetName], the model must be set and the parameter values must
// be JSON. ps is not modified.
func (ps Presets) Put(p Preset) (Presets, error) {
	p, err := checkPreset(p, "")
	if err != nil {
		return ps, fmt.Errorf("convo: preset: %w", err)
	}
	items := make([]Preset, 0, len(ps.Items)+1)
	for _, it := range ps.Items {
		if it.Model != p.Model || it.Name != p.Name {
			items = append(items, it)
		}
	}
	items = append(items, p)
	slices.SortStableFunc(items, comparePresets)
	return Presets{Items: items}, nil
}

// Remove returns the presets without the model's preset of that name. ps is
// not modified.
func (ps Presets) Remove(model, name string) Presets {
	name = strings.TrimSpace(name)
	items := make([]Preset, 0, len(ps.Items))
	for _, it := range ps.Items {
		if it.Model != model || it.Name != name {
			items = append(items, it)
		}
	}
	return Presets{Items: items}
}

// Find returns the model's preset of that name.
func (ps Presets) Find(model, name string) (Preset, bool) {
	name = strings.TrimSpace(name)
	for _, it := range ps.Items {
		if it.Model == model && it.Name == name {
			return it, true
		}
	}
	return Preset{}, false
}

// For returns the model's presets, sorted by name (ignoring case).
func (ps Presets) For(model string) []Preset {
	var out []Preset
	for _, it := range ps.Items {
		if it.Model == model {
			out = append(out, it)
		}
	}
	slices.SortStableFunc(out, comparePresets)
	return out
}

// presetsFile is the stored form of the presets.
type presetsFile struct {
	Version int      `json:"version"`
	Presets []Preset `json:"presets"`
}

// MarshalPresets encodes the presets for localStorage as
// {"version":1,"presets":[…]}. A preset that [UnmarshalPresets] would refuse
// is an error naming it.
func MarshalPresets(ps Presets) ([]byte, error) {
	items := make([]Preset, len(ps.Items))
	for i, p := range ps.Items {
		q, err := checkPreset(p, fmt.Sprintf("presets[%d]", i))
		if err != nil {
			return nil, fmt.Errorf("convo: presets: %w", err)
		}
		items[i] = q
	}
	slices.SortStableFunc(items, comparePresets)
	b, err := marshalCompact(presetsFile{Version: PresetsVersion, Presets: items})
	if err != nil {
		return nil, fmt.Errorf("convo: presets: %w", err)
	}
	return b, nil
}

// UnmarshalPresets decodes presets written by [MarshalPresets]. Blank data
// (nothing stored yet) gives no presets.
//
// Unknown members are ignored, but values of the wrong type are errors, as
// is a missing or unknown version. A preset that cannot be read is skipped
// and the others are returned, with an error naming each skipped one (such
// as presets[2].name); when the document itself cannot be read, there are
// no presets. Of several presets with the same model and name, the last is
// kept.
func UnmarshalPresets(data []byte) (Presets, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Presets{}, nil
	}
	var env struct {
		Version *int              `json:"version"`
		Presets []json.RawMessage `json:"presets"`
	}
	if err := decodeJSON(data, "", &env, false); err != nil {
		return Presets{}, fmt.Errorf("convo: presets: %w", err)
	}
	if err := checkVersion(env.Version, PresetsVersion); err != nil {
		return Presets{}, fmt.Errorf("convo: presets: %w", err)
	}
	var ps Presets
	var errs []error
	for i, raw := range env.Presets {
		path := fmt.Sprintf("presets[%d]", i)
		var p Preset
		if err := decodeJSON(raw, path, &p, false); err != nil {
			errs = append(errs, err)
			continue
		}
		p, err := checkPreset(p, path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps.Items = slices.DeleteFunc(ps.Items, func(it Preset) bool { return it.Model == p.Model && it.Name == p.Name })
		ps.Items = append(ps.Items, p)
	}
	slices.SortStableFunc(ps.Items, comparePresets)
	if len(errs) > 0 {
		return ps, fmt.Errorf("convo: presets: skipped %d unreadable preset(s): %w", len(errs), errors.Join(errs...))
	}
	return ps, nil
}
