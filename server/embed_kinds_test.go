package server

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"playground/app/embed"
	"playground/app/kind"
	"playground/server/httperr"
)

// embedPolicy reads the full policy the widget reads.
func (e *embedEnv) fullPolicy(t *testing.T) embed.Policy {
	t.Helper()
	resp, body := e.do(t, "GET", "/api/embed/config", "", nil)
	var p embed.Policy
	if resp.StatusCode != 200 || json.Unmarshal(body, &p) != nil {
		t.Fatalf("GET /api/embed/config: %d %s", resp.StatusCode, body)
	}
	return p
}

// TestEmbedKinds: an operator can limit embeds to some kinds; the policy says which, the model
// list and forms leave the others out, and their calls are refused with a code naming the kind,
// before the provider hears of them. Without the setting, the embed runs every kind.
func TestEmbedKinds(t *testing.T) {
	const images = `{"model":"flux/schnell","prompt":"a cat"}`
	t.Run("chat only", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Embed.Models, c.Embed.Kinds = nil, []string{"chat"} })
		if p := e.fullPolicy(t); strings.Join(p.Kinds, ",") != "chat" || !strings.Contains(strings.Join(p.Notes(), " "), "runs chat models only") {
			t.Fatalf("policy %+v, notes %q", p, p.Notes())
		}
		tests := []struct {
			name, method, path, body string
			status                   int
			code, mention            string
		}{
			{"images call", "POST", "/api/embed/v1/images/generations", images, 403, httperr.EEmbedKindLocked, "Images (images)"},
			{"embeddings call", "POST", "/api/embed/v1/embeddings", `{"model":"text-embedding-3-small","input":"x"}`, 403, httperr.EEmbedKindLocked, "embeddings"},
			{"images form", "GET", "/api/embed/models/flux/schnell", "", 403, httperr.EEmbedKindLocked, "Images"},
			{"chat call", "POST", embedChatPath, embedBody("gryphe/mythomax-l2-13b", "hi", ""), 200, "", ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := len(e.fake.Requests())
				resp, body := e.do(t, tt.method, tt.path, tt.body, nil)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				if tt.code == "" {
					return
				}
				msg, code := errorMessage(t, body)
				if code != tt.code || !strings.Contains(msg, tt.mention) || !strings.Contains(msg, "only chat") {
					t.Fatalf("%s %q", code, msg)
				}
				if len(e.fake.Requests()) != n {
					t.Fatal("the provider was called")
				}
			})
		}
		resp, body := e.do(t, "GET", "/api/embed/models", "", nil)
		var list struct{ Models []struct{ ID, Kind string } }
		if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list.Models) == 0 {
			t.Fatalf("models: %d %s", resp.StatusCode, body)
		}
		for _, m := range list.Models {
			if m.Kind != "chat" {
				t.Fatalf("the embed lists %s of kind %s", m.ID, m.Kind)
			}
		}
	})
	t.Run("every kind by default", func(t *testing.T) {
		e := runEmbed(t, func(c *Config) { c.Embed.Models = nil })
		if p := e.fullPolicy(t); p.Kinds != nil {
			t.Fatalf("kinds %v, want none (all)", p.Kinds)
		}
		if resp, body := e.do(t, "POST", "/api/embed/v1/images/generations", images, nil); resp.StatusCode != 200 {
			t.Fatalf("images through the embed: %d %s", resp.StatusCode, body)
		}
	})
}

// TestEmbedBudgetMoney: the embed's daily budget counts what the provider reports in US dollars
// and credits (images' meta.usage), and refuses runs once it is spent.
func TestEmbedBudgetMoney(t *testing.T) {
	const images = `{"model":"flux/schnell","prompt":"a cat"}`
	tests := []struct {
		name   string
		adjust func(*Embed)
		left   func(embed.Policy) float64
	}{
		{"dollars", func(e *Embed) { e.DailyUSD = 0.001 }, func(p embed.Policy) float64 { return p.DailyUSDLeft }},
		{"credits", func(e *Embed) { e.DailyCredits = 100 }, func(p embed.Policy) float64 { return p.DailyCreditsLeft }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := runEmbed(t, func(c *Config) { c.Embed.Models = nil; tt.adjust(&c.Embed) })
			before := tt.left(e.fullPolicy(t))
			tokensBefore := e.fullPolicy(t).DailyLeft
			resp, body := e.do(t, "POST", "/api/embed/v1/images/generations", images, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			var a struct {
				Meta struct {
					Usage struct {
						Credits float64 `json:"credits_used"`
						USD     float64 `json:"usd_spent"`
					} `json:"usage"`
				} `json:"meta"`
			}
			if json.Unmarshal(body, &a) != nil || a.Meta.Usage.USD <= 0 {
				t.Fatalf("answer without meta.usage: %.200s", body)
			}
			waitFor(t, "the run to settle", func() bool { _, r := e.budgetState(); return r == 0 })
			p := e.fullPolicy(t)
			spent := before - tt.left(p)
			want := a.Meta.Usage.USD
			if tt.name == "credits" {
				want = a.Meta.Usage.Credits
			}
			if spent <= 0 || spent > want*1.0001 || spent < min(want, before)*0.9999 {
				t.Fatalf("the budget went from %v to %v; the run cost %v", before, tt.left(p), want)
			}
			if p.DailyLeft != tokensBefore {
				t.Fatalf("an image run took %d tokens off the token budget", tokensBefore-p.DailyLeft)
			}
			// Spend it all: the next run is refused, chat included.
			for tt.left(e.fullPolicy(t)) > 0 {
				if resp, _ := e.do(t, "POST", "/api/embed/v1/images/generations", images, nil); resp.StatusCode != 200 {
					break
				}
				waitFor(t, "the run to settle", func() bool { _, r := e.budgetState(); return r == 0 })
			}
			for _, call := range []struct{ path, body string }{{"/api/embed/v1/images/generations", images}, {embedChatPath, embedBody(embedAllowed, "hi", "")}} {
				resp, body := e.do(t, "POST", call.path, call.body, nil)
				msg, code := errorMessage(t, body)
				if resp.StatusCode != 429 || code != httperr.EEmbedBudgetSpent || !strings.Contains(msg, "used up") || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("%s after the budget: %d %s %q", call.path, resp.StatusCode, code, msg)
				}
			}
		})
	}
}

// TestParseConfigEmbedKindsAndMoney: the new embed settings from flags, the environment and the
// file, and their mistakes.
func TestParseConfigEmbedKindsAndMoney(t *testing.T) {
	cfg, err := ParseConfig([]string{"-embed-kinds", "chat, images", "-embed-daily-usd", "2.5"}, env(map[string]string{"PLAYGROUND_EMBED_DAILY_CREDITS": "5000"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Embed.Kinds, ","); got != "chat,images" || cfg.Embed.DailyUSD != 2.5 || cfg.Embed.DailyCredits != 5000 {
		t.Fatalf("kinds %q usd %v credits %v", got, cfg.Embed.DailyUSD, cfg.Embed.DailyCredits)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-embed-kinds", "chat,fax"}, `embed-kinds: "fax" is not a kind the playground runs; the kinds are chat, responses, messages, images, embeddings, video, tts, stt, music, ocr`},
		{[]string{"-embed-daily-usd", "-1"}, "embed-daily-usd"},
		{[]string{"-embed-daily-credits", "NaN"}, "embed-daily-credits"},
	} {
		if _, err := ParseConfig(tt.args, env(nil), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
	file := writeConfig(t, "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_env: A_KEY\n    catalog: {embedded: true}\nembed:\n  kinds: [chat]\n  daily_usd: 1.5\n  daily_credits: 300\n")
	f, err := ReadFileConfig(file, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Embed.Kinds, ",") != "chat" || f.Embed.DailyUSD != 1.5 || f.Embed.DailyCredits != 300 {
		t.Fatalf("file embed %+v", f.Embed)
	}
	bad := writeConfig(t, "providers:\n  - name: a\n    base_url: https://a.example/v1\n    key_env: A_KEY\n    catalog: {embedded: true}\nembed:\n  kinds: [chat, fax]\n")
	if _, err := ReadFileConfig(bad, env(nil)); err == nil || !strings.Contains(err.Error(), "embed.kinds[1]") {
		t.Fatalf("a kind the playground does not know: %v", err)
	}
}

// TestEmbedJobs: the widget runs jobs through /api/embed/: the job is the widget's (the full
// playground's routes do not poll it), and what its finished poll reports it cost comes off the
// embed's budget; an operator who limits embeds to chat refuses video.
func TestEmbedJobs(t *testing.T) {
	const video = `{"model":"google/veo3","prompt":"a wave"}`
	e := runEmbed(t, func(c *Config) { c.Embed.Models = nil; c.Embed.DailyUSD = 1 })
	e.fake.QueueFor, e.fake.GenerateFor = time.Nanosecond, time.Nanosecond
	before := e.fullPolicy(t).DailyUSDLeft
	resp, body := e.do(t, "POST", "/api/embed/v2/video/generations", video, nil)
	id := kind.ReadJob(body).ID
	if resp.StatusCode != 200 || id == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(t, "GET", "/api/v2/video/generations?generation_id="+id, "", nil); resp.StatusCode != 404 {
		t.Fatalf("the widget's job polled on the playground's route: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(t, "GET", "/api/embed/v2/video/generations?generation_id="+id, "", nil)
	job := kind.ReadJob(body)
	if resp.StatusCode != 200 || job.Status != kind.StatusCompleted || job.Usage.USD <= 0 {
		t.Fatalf("poll: %d %s", resp.StatusCode, body)
	}
	waitFor(t, "the poll to settle", func() bool { _, r := e.budgetState(); return r == 0 })
	if spent := before - e.fullPolicy(t).DailyUSDLeft; spent < job.Usage.USD*0.9999 || spent > job.Usage.USD*1.0001 {
		t.Fatalf("the budget lost %v; the job cost %v", spent, job.Usage.USD)
	}

	chatOnly := runEmbed(t, func(c *Config) { c.Embed.Models, c.Embed.Kinds = nil, []string{"chat"} })
	resp, body = chatOnly.do(t, "POST", "/api/embed/v2/video/generations", video, nil)
	if _, code := errorMessage(t, body); resp.StatusCode != 403 || code != httperr.EEmbedKindLocked || len(chatOnly.fake.Requests()) != 0 {
		t.Fatalf("video in a chat-only embed: %d %s", resp.StatusCode, body)
	}
}
