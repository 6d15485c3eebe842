package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenAISDK points the official OpenAI SDK for Node (installed by `make sdk`, pinned in
// sdk/package.json) at the playground's /api/v1 and calls chat completions (whole and streamed),
// images.generate, embeddings.create (base64, which the SDK asks for and decodes) and
// responses.create (whole and streamed): the playground adds the provider's key and answers each
// as the provider does.
func TestOpenAISDK(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "server", "e2e", "sdk")
	node, err := exec.LookPath("node")
	if _, statErr := os.Stat(filepath.Join(dir, "node_modules", "openai", "package.json")); err != nil || statErr != nil {
		t.Fatalf("the OpenAI SDK check needs Node and the SDK: run `make sdk` (npm ci in %s); node: %v, SDK: %v", dir, err, statErr)
	}
	e := newEnv(t, true, withKindSchemas(t))
	cmd := exec.Command(node, "sdk.mjs", e.URL+"/api/v1")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("node sdk.mjs: %v\n%s", err, b)
	}
	var got map[string]struct {
		Error     string   `json:"error"`
		Text      string   `json:"text"`
		Chunks    int      `json:"chunks"`
		URLs      []string `json:"urls"`
		Dims      []int    `json:"dims"`
		Tokens    int      `json:"tokens"`
		Completed bool     `json:"completed"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("the SDK script printed %s: %v", b, err)
	}
	for name, r := range got {
		if r.Error != "" {
			t.Errorf("%s: the SDK failed: %s", name, r.Error)
		}
	}
	for _, name := range []string{"chat", "chatStream", "responses", "responsesStream"} {
		if !strings.Contains(got[name].Text, "Fake answer") {
			t.Errorf("%s: text %q, want the fake upstream's answer", name, got[name].Text)
		}
	}
	if got["chatStream"].Chunks < 2 || !got["responsesStream"].Completed {
		t.Errorf("streams: %d chat chunks, Responses completed %v", got["chatStream"].Chunks, got["responsesStream"].Completed)
	}
	if urls := got["images"].URLs; len(urls) != 2 || !strings.HasPrefix(urls[0], "http") {
		t.Errorf("images: %q, want two file URLs", urls)
	}
	if d := got["embeddings"].Dims; len(d) != 2 || d[0] != 16 || d[1] != 16 || got["embeddings"].Tokens == 0 {
		t.Errorf("embeddings: dimensions %v, %d tokens; want two of 16", d, got["embeddings"].Tokens)
	}
	for _, path := range []string{"/v1/chat/completions", "/v1/images/generations", "/v1/embeddings", "/v1/responses"} {
		for _, r := range requestsTo(e, path) {
			if r.Header.Get("Authorization") != "Bearer "+e.Canary {
				t.Errorf("%s reached the provider with %q, want the server's key", path, r.Header.Get("Authorization"))
			}
		}
		if len(requestsTo(e, path)) == 0 {
			t.Errorf("nothing reached the provider at %s", path)
		}
	}
}
