package form

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"playground/app/schema"
)

// top is the target of a top-level field.
func top(f schema.Field) Target { return Target{Top: f, Field: f, Path: []Step{K(f.Name)}} }

func values(s *State) map[string]string {
	out := map[string]string{}
	for k, v := range s.Values {
		out[k] = string(v)
	}
	return out
}

func TestStateInput(t *testing.T) {
	fs := testFields(t)
	tests := []struct {
		name      string
		target    func() Target
		texts     []string
		wantValue string // "" for not sent
		wantDraft string
		wantErr   string // a substring of the rule, "" for none
	}{
		{"a valid number is set", func() Target { return top(fs["seed"]) }, []string{"4"}, "4", "4", ""},
		{"text that is not a number stays as typed", func() Target { return top(fs["seed"]) }, []string{"4", "4x"}, "4", "4x", "number"},
		{"blank text is not sent", func() Target { return top(fs["seed"]) }, []string{"4", ""}, "", "", ""},
		{"a blank text item is the empty string", func() Target {
			return Target{Top: fs["stop"], Field: schema.Field{Name: "stop", Control: schema.Text, Type: "string"},
				Path: []Step{K("stop"), I(0)}, InList: true}
		}, []string{""}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewState()
			tg := tt.target()
			for _, text := range tt.texts {
				s.Input(tg, text)
			}
			got := string(s.At(tg))
			if tt.name == "a blank text item is the empty string" {
				if got != `""` && !strings.Contains(string(s.Values["stop"]), `""`) {
					t.Errorf("value = %s (stop %s), want the empty string", got, s.Values["stop"])
				}
				return
			}
			if got != tt.wantValue {
				t.Errorf("value = %q, want %q", got, tt.wantValue)
			}
			if d := s.Drafts[tg.Key()]; d != tt.wantDraft {
				t.Errorf("draft = %q, want %q", d, tt.wantDraft)
			}
			e := s.Errs[tg.Key()]
			if (tt.wantErr == "") != (e == "") || !strings.Contains(e, tt.wantErr) {
				t.Errorf("error = %q, want one with %q", e, tt.wantErr)
			}
		})
	}
}

func TestStatePickChoiceKeepsWhatEachAlternativeHeld(t *testing.T) {
	fs := testFields(t)
	rf := fs["response_format"]
	tg := top(rf)
	s := NewState()
	s.PickChoice(tg, 2) // json_schema
	if got := s.Alt(tg, s.At(tg)); got != 2 {
		t.Fatalf("alternative = %d, want 2", got)
	}
	name := Target{Top: rf, Field: schema.Field{Name: "name", Control: schema.Text, Type: "string"},
		Path: []Step{K("response_format"), K("json_schema"), K("name")}}
	s.Input(name, "weather")
	strict := Target{Top: rf, Field: schema.Field{Name: "strict", Control: schema.Toggle, Type: "boolean"},
		Path: []Step{K("response_format"), K("json_schema"), K("strict")}}
	s.Drafts[strict.Key()], s.Errs[strict.Key()] = "maybe", "not a boolean"
	held := string(s.At(tg))

	s.PickChoice(tg, 1) // json_object: the json_schema alternative is parked
	if got := string(s.At(tg)); got != `{"type":"json_object"}` {
		t.Errorf("after switching: %s", got)
	}
	if len(s.ErrsUnder("response_format")) != 0 || s.Typing("response_format") {
		t.Errorf("the left alternative's drafts stay shown: %v %v", s.Drafts, s.Errs)
	}
	s.PickChoice(tg, 2) // back: restored
	if got := string(s.At(tg)); got != held {
		t.Errorf("back: %s, want %s", got, held)
	}
	if s.Drafts[strict.Key()] != "maybe" || s.Errs[strict.Key()] != "not a boolean" {
		t.Errorf("the draft typed into the alternative is lost: %v %v", s.Drafts, s.Errs)
	}
	s.PickChoice(tg, -1)
	if _, set := s.Values["response_format"]; set {
		t.Errorf("not sent: still %s", s.Values["response_format"])
	}
	s.PickChoice(tg, 9) // out of range: nothing changes
	if _, set := s.Values["response_format"]; set {
		t.Errorf("an alternative out of range set %s", s.Values["response_format"])
	}
}

func TestStateListEditsMoveTheirState(t *testing.T) {
	fs := testFields(t)
	tools := fs["tools"]
	tg := top(tools)
	s := NewState()
	for range 3 {
		s.AddItem(tg)
	}
	if n := len(Elements(s.At(tg))); n != 3 {
		t.Fatalf("%d items, want 3", n)
	}
	// The state of each item is keyed by its index.
	for i, k := range []string{"tools.0.function.name", "tools.1.function.name", "tools.2.function.name"} {
		s.Drafts[k] = string(rune('a' + i))
		s.Files[k] = "f" + string(rune('a'+i))
	}
	s.Errs["tools.2.function.name"] = "bad c"

	s.MoveItem(tg, 2, 0)
	want := map[string]string{"tools.0.function.name": "c", "tools.1.function.name": "a", "tools.2.function.name": "b"}
	if !reflect.DeepEqual(s.Drafts, want) {
		t.Errorf("after moving 2 to 0: drafts %v, want %v", s.Drafts, want)
	}
	if s.Errs["tools.0.function.name"] != "bad c" || s.Files["tools.0.function.name"] != "fc" {
		t.Errorf("the error and file name did not move with the item: %v %v", s.Errs, s.Files)
	}
	s.RemoveItem(tg, 0)
	want = map[string]string{"tools.0.function.name": "a", "tools.1.function.name": "b"}
	if !reflect.DeepEqual(s.Drafts, want) || len(s.Errs) != 0 {
		t.Errorf("after removing 0: drafts %v errs %v, want %v and none", s.Drafts, s.Errs, want)
	}
	if n := len(Elements(s.At(tg))); n != 2 {
		t.Errorf("%d items, want 2", n)
	}
	s.RemoveItem(tg, 5) // out of range: nothing changes
	s.MoveItem(tg, 0, 7)
	if n := len(Elements(s.At(tg))); n != 2 || !reflect.DeepEqual(s.Drafts, want) {
		t.Errorf("out-of-range edits changed the list: %d items, %v", n, s.Drafts)
	}
}

func TestStateAddItemStartsAtTheMinimum(t *testing.T) {
	fs := testFields(t)
	s := NewState()
	s.AddItem(top(fs["weights"])) // minItems 2
	if n := len(Elements(s.Values["weights"])); n != 2 {
		t.Errorf("a new list of weights has %d items (%s), want its minimum 2", n, s.Values["weights"])
	}
}

func TestStateRemoveForgetsAndCalls(t *testing.T) {
	fs := testFields(t)
	s := NewState()
	var forgot []string
	s.Forgot = func(k string) { forgot = append(forgot, k) }
	s.Set(top(fs["seed"]), json.RawMessage("3"))
	s.Drafts["seed"], s.Files["image_url"] = "3", "cat.png"
	s.Remove(top(fs["seed"]))
	if _, set := s.Values["seed"]; set || s.Drafts["seed"] != "" {
		t.Errorf("seed still there: %v %v", s.Values, s.Drafts)
	}
	if s.Files["image_url"] != "cat.png" {
		t.Errorf("removing seed dropped another field's file name")
	}
	s.Unset("image_url")
	if s.Files["image_url"] != "" {
		t.Errorf("unset kept the file name")
	}
	if !reflect.DeepEqual(forgot, []string{"seed", "seed", "image_url"}) {
		t.Errorf("Forgot called with %v", forgot)
	}
}

func TestStateReplaceAndCarry(t *testing.T) {
	fs := testFields(t)
	s := NewState()
	s.Values["stream"], s.Values["seed"] = json.RawMessage("true"), json.RawMessage("3")
	s.Drafts["seed"], s.Errs["seed"] = "3x", "not a number"
	s.Replace(schema.Values{"n": json.RawMessage("2")}, "stream")
	if got := values(s); !reflect.DeepEqual(got, map[string]string{"stream": "true", "n": "2"}) {
		t.Errorf("Replace: %v", got)
	}
	if len(s.Drafts)+len(s.Errs) != 0 {
		t.Errorf("Replace kept what was typed: %v %v", s.Drafts, s.Errs)
	}

	s.Values["weird"] = json.RawMessage(`"x"`)
	s.Errs["weird"], s.Drafts["weird"] = "bad", "x?"
	s.Picked["n"] = 1
	fields := []schema.Field{fs["n"], fs["seed"]}
	aside := s.Carry(fields, schema.Values{"seed": json.RawMessage("5")})
	if got := values(s); !reflect.DeepEqual(got, map[string]string{"n": "2", "seed": "5"}) {
		t.Errorf("Carry kept %v", got)
	}
	if string(aside["weird"]) != `"x"` || string(aside["stream"]) != "true" {
		t.Errorf("Carry put aside %v, want weird and stream", aside)
	}
	if s.Errs["weird"] != "" || s.Drafts["weird"] != "x?" || len(s.Picked) != 0 {
		t.Errorf("Carry: errs %v drafts %v picked %v", s.Errs, s.Drafts, s.Picked)
	}
}

func TestStateProblems(t *testing.T) {
	fs := testFields(t)
	fields := []schema.Field{fs["seed"], fs["tools"], fs["n"]}
	s := NewState()
	s.Values["seed"] = json.RawMessage("20")
	s.Errs["tools.1.function.name"], s.Errs["tools.0.function.name"] = "second", "first"
	s.Values["n"] = json.RawMessage("2")
	got := s.Problems(fields, func(f schema.Field, v json.RawMessage) schema.Violations { return f.Validate(v) })
	if len(got) != 2 || !strings.HasPrefix(got[0], "seed: ") || got[1] != "tools.0.function.name: first" {
		t.Errorf("Problems = %q, want seed's rule then the first error of tools", got)
	}
}
