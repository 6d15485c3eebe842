package convo

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestHistoryKeepsRuns(t *testing.T) {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	runs := []Run{
		{At: at, Prompt: "  a red\nfox ", TookMS: 1200, Result: json.RawMessage(`{"images":[{"url":"https://a/b.png"}]}`)},
		{At: at.Add(time.Minute), Prompt: "a blue fox", Error: "HTTP 429: slow down"},
	}
	h, err := History{}.Upsert(Saved{ID: "x", Updated: at, Model: "flux/schnell", Kind: "images", Op: "/v1/images/generations", Runs: runs})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Items[0].Title; got != "a red fox" {
		t.Errorf("title %q, want the first prompt", got)
	}
	b, _, err := MarshalHistory(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	back, err := UnmarshalHistory(b)
	if err != nil {
		t.Fatal(err)
	}
	got := back.Items[0]
	if got.Kind != "images" || got.Op != "/v1/images/generations" || !reflect.DeepEqual(got.Runs, runs) {
		t.Errorf("came back as kind %q op %q runs %+v", got.Kind, got.Op, got.Runs)
	}
}

func TestHistoryKeepsTheNewestRuns(t *testing.T) {
	var runs []Run
	for i := range MaxRuns + 5 {
		runs = append(runs, Run{Inputs: []string{strings.Repeat("x", i+1)}})
	}
	h, err := History{}.Upsert(Saved{ID: "x", Kind: "embeddings", Runs: runs})
	if err != nil {
		t.Fatal(err)
	}
	kept := h.Items[0].Runs
	if len(kept) != MaxRuns || kept[0].Inputs[0] != strings.Repeat("x", 6) {
		t.Errorf("kept %d runs starting with %q; want the newest %d", len(kept), kept[0].Inputs, MaxRuns)
	}
}

func TestHistoryRefusesBrokenRuns(t *testing.T) {
	tests := []struct {
		name string
		s    Saved
		want string
	}{
		{"runs without a kind", Saved{ID: "x", Runs: []Run{{Prompt: "p"}}}, "kind: is required with runs"},
		{"a result that is not JSON", Saved{ID: "x", Kind: "images", Runs: []Run{{Result: json.RawMessage(`{`)}}}, "runs[0].result: is not JSON"},
		{"an op that is not a path", Saved{ID: "x", Kind: "images", Op: "http://evil"}, "op: is not an operation path"},
		{"a kind with a control character", Saved{ID: "x", Kind: "im\nages"}, "kind: contains a control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := History{}.Upsert(tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
	// In stored history, such an item is skipped and named; the others are read.
	raw := `{"version":1,"items":[{"id":"a","conversation":{},"runs":[{"prompt":"p"}]},{"id":"b","conversation":{}}]}`
	h, err := UnmarshalHistory([]byte(raw))
	if err == nil || !strings.Contains(err.Error(), "items[0].kind") || len(h.Items) != 1 || h.Items[0].ID != "b" {
		t.Errorf("got %d items, err %v", len(h.Items), err)
	}
}

func TestShareCarriesTheOperationAndInputs(t *testing.T) {
	s := Share{Model: "text-embedding-3-small", Op: "/v1/embeddings", Inputs: []string{"a cat", "a dog"}}
	link, err := EncodeShare(s, DefaultShareLimit)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(link.Query, "op=%2Fv1%2Fembeddings") {
		t.Errorf("the query %q does not name the operation", link.Query)
	}
	back, err := DecodeShare(link.Query)
	if err != nil {
		t.Fatal(err)
	}
	if back.Op != s.Op || !reflect.DeepEqual(back.Inputs, s.Inputs) {
		t.Errorf("decoded op %q inputs %q", back.Op, back.Inputs)
	}
	for _, q := range []string{"model=m&op=http://evil", "model=m&op=/a&op=/b", "model=m&op=%2Fa%3Fb"} {
		if _, err := DecodeShare(q); err == nil || !strings.Contains(err.Error(), "op") {
			t.Errorf("DecodeShare(%q) = %v, want an error naming op", q, err)
		}
	}
	if _, err := EncodeShare(Share{Model: "m", Op: "v1/x"}, 0); err == nil {
		t.Error("EncodeShare took an operation that is not a path")
	}
}
