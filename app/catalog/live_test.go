package catalog

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseLiveListGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "live-aimlapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := ParseLiveList(data)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, filepath.Join("testdata", "live-aimlapi.golden.json"), got)
}

func TestParseLiveListShapes(t *testing.T) {
	tests := []struct {
		name, body string
		ids        []string
		err        error
	}{
		{"plain OpenAI list", `{"object":"list","data":[{"id":"a/one","object":"model","owned_by":"x"},{"id":"b"}]}`, []string{"a/one", "b"}, nil},
		{"bare array", `[{"id":"a"}]`, []string{"a"}, nil},
		{"empty data", `{"data":[]}`, []string{}, nil},
		{"no data", `{"object":"list"}`, nil, ErrNotModelList},
		{"data not an array", `{"data":{"id":"a"}}`, nil, ErrNotModelList},
		{"not JSON", `<html>`, nil, ErrNotModelList},
		{"error envelope", `{"error":{"message":"nope"}}`, nil, ErrNotModelList},
		{"control character in id", `{"data":[{"id":"a\u0000b"},{"id":"ok"}]}`, []string{"ok"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := ParseLiveList([]byte(tt.body))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != len(tt.ids) {
				t.Fatalf("got %d models, want %v", len(list), tt.ids)
			}
			for i, m := range list {
				if m.ID != tt.ids[i] {
					t.Errorf("model %d = %q, want %q", i, m.ID, tt.ids[i])
				}
			}
		})
	}
}

func TestParsePricing(t *testing.T) {
	tests := []struct {
		name, pricing string
		in, out       float64 // -1: not quoted
	}{
		{"per million as text", `{"kind":"fixed","units":[{"unit":"input_tokens","price":2.5,"per":"1M tokens"},{"unit":"output_tokens","price":10,"per":"1M tokens"}]}`, 2.5, 10},
		{"per thousand", `{"kind":"fixed","units":[{"name":"prompt","price":0.001,"per":"1K tokens"}]}`, 1, -1},
		{"per token, price as string", `{"units":[{"type":"completion","price":"0.000002","per":"token"}]}`, -1, 2},
		{"per as a number", `{"kind":"fixed","units":[{"unit":"input","price":0.5,"per":1000000}]}`, 0.5, -1},
		{"free", `{"kind":"fixed","units":[{"unit":"input","price":0,"per":"1M tokens"},{"unit":"output","price":0,"per":"1M tokens"}]}`, 0, 0},
		{"cached input ignored", `{"kind":"fixed","units":[{"unit":"cached_input_tokens","price":1,"per":"1M tokens"}]}`, -1, -1},
		{"variants are not quoted", `{"kind":"variants","units":[{"unit":"input","price":1,"per":"1M tokens"}]}`, -1, -1},
		{"other currency", `{"kind":"fixed","currency":"EUR","units":[{"unit":"input","price":1,"per":"1M tokens"}]}`, -1, -1},
		{"per image ignored", `{"kind":"fixed","units":[{"unit":"output","price":0.003,"per":"image"}]}`, -1, -1},
		{"negative and zero per ignored", `{"kind":"fixed","units":[{"unit":"input","price":-1,"per":"1M tokens"},{"unit":"output","price":1,"per":0}]}`, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list, err := ParseLiveList([]byte(`{"data":[{"id":"m","pricing":` + tt.pricing + `}]}`))
			if err != nil || len(list) != 1 {
				t.Fatalf("parse: %v %v", list, err)
			}
			p := list[0].Price
			get := func(x **float64) float64 {
				if p == nil || *x == nil {
					return -1
				}
				return **x
			}
			var in, out float64 = -1, -1
			if p != nil {
				in, out = get(&p.Input), get(&p.Output)
			}
			if in != tt.in || out != tt.out {
				t.Fatalf("price in %v out %v, want %v %v", in, out, tt.in, tt.out)
			}
		})
	}
}

// FuzzParseLiveList checks that any body either fails cleanly or gives usable, unique ids.
func FuzzParseLiveList(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join("testdata", "live-aimlapi.json")); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"object":"list","data":[{"id":"a/one","object":"model"}]}`))
	f.Add([]byte(`[{"id":"x","aliases":["x","y",""],"pricing":{"units":[{"unit":"input","price":"1e308","per":"1e-308 tokens"}]}}]`))
	f.Add([]byte(`{"data":[{"id":"m","info":{"contextLength":1e400}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, err := ParseLiveList(body)
		if err != nil {
			if list != nil {
				t.Fatal("a failed parse returned models")
			}
			return
		}
		seen := map[string]bool{}
		for _, m := range list {
			if !validID(m.ID) || seen[m.ID] {
				t.Fatalf("bad or repeated id %q", m.ID)
			}
			seen[m.ID] = true
			for _, a := range m.Aliases {
				if !validID(a) || a == m.ID {
					t.Fatalf("%s: bad alias %q", m.ID, a)
				}
			}
			if m.ContextLength < 0 {
				t.Fatalf("%s: negative context length", m.ID)
			}
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("%s: %v", m.ID, err)
			}
		}
	})
}
