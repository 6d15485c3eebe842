package form

import (
	"encoding/json"
	"sort"

	"playground/app/schema"
)

// State is what the parameter form holds while it is edited: the values that are set, and per
// control (by key, see [Key]) the text typed that is not a valid value yet, the rule it breaks, the
// union alternative picked, what each alternative left aside held, and the name of a picked file.
// Its methods are the form's edits (set, type, remove, pick an alternative, add, remove and move
// list items); each keeps the per-key state of the controls it touches in step, so nothing typed is
// lost. The page draws from it and calls the edits from its event handlers.
type State struct {
	// Values holds the top-level values that are set, by field name.
	Values schema.Values
	// Drafts holds text typed into a control that is not (or not yet) a valid value.
	Drafts map[string]string
	// Errs holds the rule a draft breaks, or why a picked file was not taken.
	Errs map[string]string
	// Picked holds the alternative the user picked for a choice, by the choice's key.
	Picked map[string]int
	// Parked holds what each alternative of a choice held when the user switched away from it, by
	// the choice's key, then the alternative's label.
	Parked map[string]map[string]Parked
	// Files holds the name of the file picked into a field, by key.
	Files map[string]string
	// Forgot, when set, is called with each key whose state an edit drops, so that what the page
	// derived from its value can go too.
	Forgot func(key string)
}

// Parked is what one union alternative held when the user switched to another: its value and the
// drafts and errors typed into it, restored when the user switches back.
type Parked struct {
	Value  json.RawMessage
	Drafts map[string]string
	Errs   map[string]string
}

// NewState returns an empty state: nothing set, nothing typed.
func NewState() *State {
	s := &State{}
	s.clear()
	return s
}

// clear drops everything but the values.
func (s *State) clear() {
	if s.Values == nil {
		s.Values = schema.Values{}
	}
	s.Drafts, s.Errs, s.Picked, s.Files = map[string]string{}, map[string]string{}, map[string]int{}, map[string]string{}
	s.Parked = map[string]map[string]Parked{}
}

// Target addresses one control of the form: a top-level field, or a value inside one.
type Target struct {
	// Top is the top-level field whose value holds the control.
	Top schema.Field
	// Field is the control's own field (Top for a top-level control).
	Field schema.Field
	// Path leads from the top-level name to the control.
	Path []Step
	// InList is set for a list item: it cannot be "not sent", only removed.
	InList bool
}

// Key is the target's key, e.g. "tools.0.function.name".
func (t Target) Key() string { return Key(t.Path) }

// At returns the current value of a target, or nil when it is absent.
func (s *State) At(t Target) json.RawMessage {
	root, ok := s.Values[t.Top.Name]
	if !ok {
		return nil
	}
	if len(t.Path) <= 1 {
		return root
	}
	return Get(root, t.Path[1:])
}

// Put stores a target's new value: a top-level value as it is, a nested one inside its top-level
// value (created from its sample when not sent yet), in the schema's key order. A value that
// cannot be put there leaves the error at the target's key.
func (s *State) Put(t Target, v json.RawMessage) {
	if len(t.Path) <= 1 {
		s.Values[t.Top.Name] = v
		return
	}
	root, err := Put(t.Top, s.Values[t.Top.Name], t.Path[1:], v)
	if err != nil {
		s.Errs[t.Key()] = err.Error()
		return
	}
	s.Values[t.Top.Name] = root
}

// Set sets a target's value from a control that is not typed into (a toggle, a select, a button):
// drafts and errors at the target and inside it are dropped.
func (s *State) Set(t Target, v json.RawMessage) {
	s.Forget(t.Key())
	s.Put(t, v)
}

// Input takes what was typed into a target's control: a valid value is set; anything else is kept
// as a draft with the broken rule, so nothing typed is lost. Blank text makes the target not sent,
// or the empty string for a text item of a list.
func (s *State) Input(t Target, text string) {
	key := t.Key()
	val, rule, ok := Parse(t.Field, text)
	if ok && val == nil && t.InList {
		switch t.Field.Control {
		case schema.Text, schema.Textarea, schema.URL:
			val = json.RawMessage(`""`) // an item cannot be left out: it is the empty string
		default:
			ok, rule = false, "enter a value, or remove the item"
		}
	}
	if !ok {
		s.Drafts[key] = text
		s.Errs[key] = rule
		return
	}
	delete(s.Errs, key)
	if val == nil {
		s.Remove(t)
		return
	}
	s.Drafts[key] = text
	s.Put(t, val)
}

// Remove makes a target not sent: a top-level field leaves the request, a sub-field leaves its
// object, a list item leaves its list.
func (s *State) Remove(t Target) {
	s.Forget(t.Key())
	if len(t.Path) <= 1 {
		delete(s.Values, t.Top.Name)
		return
	}
	root, ok := s.Values[t.Top.Name]
	if !ok {
		return
	}
	s.Values[t.Top.Name] = Normalize(t.Top, Delete(root, t.Path[1:]))
}

// Forget drops the drafts, errors, picked alternatives and file names at key and inside it.
func (s *State) Forget(key string) {
	for _, m := range []map[string]string{s.Drafts, s.Errs, s.Files} {
		for k := range m {
			if Under(k, key) {
				delete(m, k)
			}
		}
	}
	for k := range s.Picked {
		if Under(k, key) {
			delete(s.Picked, k)
		}
	}
	if s.Forgot != nil {
		s.Forgot(key)
	}
}

// Unset makes the top-level field name not sent, with what was typed into it.
func (s *State) Unset(name string) {
	s.Forget(name)
	delete(s.Values, name)
}

// Alt is the alternative a choice target shows for value v: the one the user picked, else the one
// v belongs to (see [WhichChoice]).
func (s *State) Alt(t Target, v json.RawMessage) int {
	if j, ok := s.Picked[t.Key()]; ok && j >= 0 && j < len(t.Field.Choices) {
		return j
	}
	return WhichChoice(t.Field, v)
}

// PickChoice switches a choice target to alternative j (-1: not sent), parking the value, drafts
// and errors of the alternative it leaves, and restoring those of the one it returns to; a new
// alternative starts from its sample. An alternative out of range changes nothing.
func (s *State) PickChoice(t Target, j int) {
	if j >= len(t.Field.Choices) || j < -1 {
		return
	}
	key := t.Key()
	if cur := s.At(t); cur != nil && !IsNull(cur) {
		if from := s.Alt(t, cur); from >= 0 && from < len(t.Field.Choices) {
			p := Parked{Value: cur, Drafts: map[string]string{}, Errs: map[string]string{}}
			for k, d := range s.Drafts {
				if Under(k, key) {
					p.Drafts[k] = d
				}
			}
			for k, e := range s.Errs {
				if Under(k, key) {
					p.Errs[k] = e
				}
			}
			if s.Parked[key] == nil {
				s.Parked[key] = map[string]Parked{}
			}
			s.Parked[key][t.Field.Choices[from].Label] = p
		}
	}
	if j < 0 {
		s.Remove(t)
		return
	}
	alt := t.Field.Choices[j]
	s.Forget(key)
	v := Sample(alt)
	if p, ok := s.Parked[key][alt.Label]; ok {
		v = p.Value
		for k, d := range p.Drafts {
			s.Drafts[k] = d
		}
		for k, e := range p.Errs {
			s.Errs[k] = e
		}
	}
	s.Put(t, v)
	s.Picked[key] = j
}

// AddItem appends a fresh item (from [Sample]) to a list target; a list not sent yet starts with
// its minimum number of items, or one.
func (s *State) AddItem(t Target) {
	cur := s.At(t)
	if Elements(cur) == nil { // not sent, null, or not a list
		base := Sample(t.Field)
		if len(Elements(base)) == 0 && t.Field.Items != nil {
			base = json.RawMessage("[" + string(Sample(*t.Field.Items)) + "]")
		}
		s.Forget(t.Key())
		s.Put(t, base)
		return
	}
	if t.Field.Items == nil {
		return
	}
	next, err := Set(cur, []Step{I(len(Elements(cur)))}, Sample(*t.Field.Items))
	if err != nil {
		return
	}
	s.Put(t, next)
}

// RemoveItem removes item i of a list target; the state of the items after it moves up.
func (s *State) RemoveItem(t Target, i int) {
	cur := s.At(t)
	if i < 0 || i >= len(Elements(cur)) {
		return
	}
	s.Put(t, Delete(cur, []Step{I(i)}))
	s.reindex(t.Key(), func(k int) (int, bool) {
		switch {
		case k == i:
			return 0, false
		case k > i:
			return k - 1, true
		}
		return k, true
	})
}

// MoveItem moves item i of a list target to position j, with its state.
func (s *State) MoveItem(t Target, i, j int) {
	next, err := Move(s.At(t), i, j)
	if err != nil {
		return
	}
	s.Put(t, next)
	s.reindex(t.Key(), func(k int) (int, bool) {
		switch {
		case k == i:
			return j, true
		case i < j && k > i && k <= j:
			return k - 1, true
		case j < i && k >= j && k < i:
			return k + 1, true
		}
		return k, true
	})
}

// reindex moves the per-key state of a list's items after they were rearranged.
func (s *State) reindex(list string, move func(int) (int, bool)) {
	Reindex(s.Drafts, list, move)
	Reindex(s.Errs, list, move)
	Reindex(s.Files, list, move)
	Reindex(s.Picked, list, move)
	Reindex(s.Parked, list, move)
}

// Replace sets the values to values, keeping those named in keep (the run area's stream toggle),
// and drops everything typed. It does not call Forgot: the page drops all it derived.
func (s *State) Replace(values schema.Values, keep ...string) {
	next := schema.Values{}
	for _, k := range keep {
		if v, ok := s.Values[k]; ok {
			next[k] = v
		}
	}
	for k, v := range values {
		next[k] = v
	}
	s.Values = next
	s.clear()
}

// Carry moves to the fields of another model: the values it takes stay, the others (with those
// aside from earlier switches) come back as aside, so switching models loses nothing. Errors of
// fields the model lacks are dropped (their drafts stay, for a switch back), and the alternatives
// picked are chosen again from the values, since the new unions may list other alternatives.
func (s *State) Carry(fields []schema.Field, aside schema.Values) schema.Values {
	all := schema.Values{}
	for k, v := range aside {
		all[k] = v
	}
	for k, v := range s.Values {
		all[k] = v
	}
	kept, names := schema.Carry(fields, all)
	s.Values = kept
	out := schema.Values{}
	for _, name := range names {
		out[name] = all[name]
	}
	for key := range s.Errs {
		if topOf(fields, key) == nil {
			delete(s.Errs, key)
		}
	}
	s.Picked = map[string]int{}
	return out
}

// topOf returns the field of fields that key lies in, or nil.
func topOf(fields []schema.Field, key string) *schema.Field {
	for i := range fields {
		if Under(key, fields[i].Name) {
			return &fields[i]
		}
	}
	return nil
}

// Typing reports whether something typed at key or inside it is not a value yet.
func (s *State) Typing(key string) bool {
	for k := range s.Drafts {
		if Under(k, key) {
			return true
		}
	}
	return false
}

// ErrsUnder lists the errors at key or inside it, by key in order.
func (s *State) ErrsUnder(key string) []string {
	var keys []string
	for k := range s.Errs {
		if Under(k, key) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// Problems lists the first problem of each field, in the fields' order, as "key: rule": an error
// typed into it, else the first rule its value breaks (by validate, which the page memoizes). It
// is the run guard: a request is not sent while it is not empty.
func (s *State) Problems(fields []schema.Field, validate func(schema.Field, json.RawMessage) schema.Violations) []string {
	var out []string
	for _, f := range fields {
		if keys := s.ErrsUnder(f.Name); len(keys) > 0 {
			out = append(out, keys[0]+": "+s.Errs[keys[0]])
		} else if v, ok := s.Values[f.Name]; ok {
			if vs := validate(f, v); len(vs) > 0 {
				out = append(out, ViolationKey(vs[0].Path)+": "+vs[0].Rule)
			}
		}
	}
	return out
}
