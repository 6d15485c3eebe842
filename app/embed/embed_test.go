package embed

import (
	"strings"
	"testing"
)

func TestAllows(t *testing.T) {
	p := Policy{Models: []string{"gryphe/*", "gpt-4o-mini"}}
	for _, c := range []struct {
		id      string
		aliases []string
		want    bool
	}{
		{"gryphe/mythomax-l2-13b", nil, true},
		{"gpt-4o-mini", nil, true},
		{"gpt-4o", nil, false},
		{"openai/gpt-4o-mini-2024", []string{"gpt-4o-mini"}, true},
		{"anthracite-org/magnum-v4-72b", []string{"magnum"}, false},
	} {
		if got := p.Allows(c.id, c.aliases...); got != c.want {
			t.Errorf("Allows(%q, %q) = %v, want %v", c.id, c.aliases, got, c.want)
		}
	}
	if !(Policy{}).Allows("anything") {
		t.Error("the zero policy refuses a model; want every model allowed")
	}
}

func TestCheckPattern(t *testing.T) {
	for p, ok := range map[string]bool{"gryphe/*": true, "a[b-c]": true, "": false, "a[": false} {
		if err := CheckPattern(p); (err == nil) != ok {
			t.Errorf("CheckPattern(%q) = %v, want ok=%v", p, err, ok)
		}
	}
}

func TestNotes(t *testing.T) {
	if n := (Policy{}).Notes(); len(n) != 0 {
		t.Errorf("a policy without limits has notes %q", n)
	}
	got := strings.Join(Policy{MaxTokens: 1024, RatePerMinute: 6, DailyTokens: 1_000_000, DailyLeft: 734_512}.Notes(), " ")
	want := "Answers stop at 1,024 tokens. 6 runs a minute per visitor. Shared daily budget: 734,512 of 1,000,000 tokens left (resets at 00:00 UTC)."
	if got != want {
		t.Errorf("Notes:\n got %q\nwant %q", got, want)
	}
}

func TestRateAndCount(t *testing.T) {
	for in, want := range map[float64]string{1: "1 run a minute", 6: "6 runs a minute", 2.5: "2.5 runs a minute", 0.5: "1 run every 2m0s", 0: "no limit on runs"} {
		if got := Rate(in); got != want {
			t.Errorf("Rate(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := Count(in); got != want {
			t.Errorf("Count(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestSnippets(t *testing.T) {
	s := Snippets(Options{Base: "https://pg.example/", Model: "gryphe/mythomax-l2-13b", Theme: "host", Prompt: `Say "hi" <b>`})
	want := map[string]string{
		"script": `<script src="https://pg.example/embed.js" data-model="gryphe/mythomax-l2-13b" data-theme="host" data-prompt="Say &quot;hi&quot; &lt;b&gt;"></script>`,
		"div": `<div data-playground-model="gryphe/mythomax-l2-13b" data-theme="host" data-prompt="Say &quot;hi&quot; &lt;b&gt;"></div>` + "\n" +
			`<script src="https://pg.example/embed.js" async></script>`,
		"iframe": `<iframe src="https://pg.example/embed?model=gryphe%2Fmythomax-l2-13b&amp;prompt=Say+%22hi%22+%3Cb%3E" title="Try gryphe/mythomax-l2-13b in Playground" allow="clipboard-write" loading="lazy" style="width:100%;height:520px;border:0"></iframe>`,
	}
	if len(s) != len(want) {
		t.Fatalf("got %d snippets, want %d", len(s), len(want))
	}
	for _, sn := range s {
		if sn.Code != want[sn.ID] {
			t.Errorf("snippet %s:\n got %s\nwant %s", sn.ID, sn.Code, want[sn.ID])
		}
	}
}

func TestSnippetsWithSetup(t *testing.T) {
	s := Snippets(Options{Base: "http://pg", Model: "m", Setup: "j.eyJzIjoiQmUgYnJpZWYuIn0"})
	for _, sn := range s {
		want := `data-setup="j.eyJzIjoiQmUgYnJpZWYuIn0"`
		if sn.ID == "iframe" {
			want = `&amp;s=j.eyJzIjoiQmUgYnJpZWYuIn0`
		}
		if !strings.Contains(sn.Code, want) {
			t.Errorf("snippet %s does not carry the setup (%s): %s", sn.ID, want, sn.Code)
		}
	}
}

func TestFrameURL(t *testing.T) {
	got := FrameURL(Options{Base: "http://localhost:8080", Model: "m", Provider: "deepinfra", Theme: "dark"}, "https://docs.example")
	want := "http://localhost:8080/embed?model=m&origin=https%3A%2F%2Fdocs.example&provider=deepinfra&theme=dark"
	if got != want {
		t.Errorf("FrameURL:\n got %s\nwant %s", got, want)
	}
}
