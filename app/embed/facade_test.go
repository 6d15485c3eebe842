package embed

import (
	"strings"
	"testing"
)

func TestParseFacade(t *testing.T) {
	f, err := ParseFacade(`{"values":{"prompt":"héllo 👋","stream":"false"},"focus":"prompt","selectionStart":3,"selectionEnd":5,"run":true}`)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Run || f.Focus != "prompt" || f.SelectionStart != 3 || f.SelectionEnd != 5 || f.Empty() {
		t.Errorf("ParseFacade = %+v", f)
	}
	v, ok := f.Take(PromptBox)
	if !ok || v != "héllo 👋" {
		t.Errorf("Take(prompt) = %q, %v", v, ok)
	}
	if _, ok := f.Take(PromptBox); ok {
		t.Error("Take(prompt) a second time found it again")
	}
	if len(f.Values) != 1 || f.Values["stream"] != "false" {
		t.Errorf("after Take, Values = %v; want the stream box left", f.Values)
	}

	if _, err := ParseFacade(`{"values":`); err == nil || !strings.Contains(err.Error(), "typed before the widget started") {
		t.Errorf("ParseFacade of broken JSON: %v", err)
	}
	if f, err := ParseFacade(`{"values":{},"focus":"","selectionStart":-1,"selectionEnd":-1,"run":false}`); err != nil || !f.Empty() {
		t.Errorf("the state of an untouched facade: %+v, %v; want Empty", f, err)
	}
}

func TestFacadeCaret(t *testing.T) {
	for _, tt := range []struct {
		f          Facade
		text       string
		start, end int
		ok         bool
	}{
		{Facade{Focus: "prompt", SelectionStart: 2, SelectionEnd: 2}, "hello", 2, 2, true},
		{Facade{Focus: "prompt", SelectionStart: 4, SelectionEnd: 9}, "hello", 4, 5, true},
		{Facade{Focus: "prompt", SelectionStart: 9, SelectionEnd: 3}, "hello", 3, 3, true},
		// 👋 is two UTF-16 code units, as the browser counts a caret.
		{Facade{Focus: "prompt", SelectionStart: 8, SelectionEnd: 8}, "hi 👋", 5, 5, true},
		{Facade{Focus: "prompt", SelectionStart: -1, SelectionEnd: -1}, "hello", 0, 0, false},
		{Facade{SelectionStart: 1, SelectionEnd: 1}, "hello", 0, 0, false},
	} {
		start, end, ok := tt.f.Caret(tt.text)
		if start != tt.start || end != tt.end || ok != tt.ok {
			t.Errorf("%+v.Caret(%q) = %d, %d, %v; want %d, %d, %v", tt.f, tt.text, start, end, ok, tt.start, tt.end, tt.ok)
		}
	}
}
