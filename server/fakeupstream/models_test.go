package fakeupstream

import (
	"net/http"
	"strings"
	"testing"

	"playground/app/catalog"
)

func TestCatalogueFormat(t *testing.T) {
	s, url, _ := setup(t)
	s.SetCatalogue(AIMLAPICatalogue())
	tests := []struct {
		name, query string
		want        []string
		notWant     []string
	}{
		{"compact", "", []string{`"object":"list"`, `"id":"openai/gpt-4o","aliases":["gpt-4o"],"type":"openai/chat-completions"`, `"contextLength":128000`, `"aliases":[]`}, []string{`"pricing"`, `"modalities"`}},
		{"include=all", "?include=all", []string{`"pricing":{"kind":"fixed"`, `"modalities":{"input":["image","text"]`, `"capabilities":["streaming","tools","vision"]`}, nil},
		{"include list", "?include=pricing,all", []string{`"pricing"`}, nil},
		{"details", "?details=true", []string{`"pricing"`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "GET", url+"/v1/models"+tt.query, "", nil)
			if resp.StatusCode != 200 || resp.Header.Get("ETag") == "" {
				t.Fatalf("status %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(string(body), w) {
					t.Errorf("body has %s", w)
				}
			}
			// The playground's parser reads what the fake serves.
			list, err := catalog.ParseLiveList(body)
			if err != nil || len(list) != len(AIMLAPICatalogue()) {
				t.Fatalf("ParseLiveList: %d models, %v", len(list), err)
			}
		})
	}
}

func TestCatalogueETagAndOutage(t *testing.T) {
	s, url, _ := setup(t)
	s.SetCatalogue(AIMLAPICatalogue())
	resp, _ := do(t, "GET", url+"/v1/models", "", nil)
	etag := resp.Header.Get("ETag")
	req, _ := http.NewRequest("GET", url+"/v1/models", nil)
	req.Header.Set("If-None-Match", etag)
	r2, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != http.StatusNotModified {
		t.Fatalf("revalidation: %d, want 304", r2.StatusCode)
	}
	s.SetCatalogue(AIMLAPICatalogue()[:2])
	if resp, _ := do(t, "GET", url+"/v1/models", "", nil); resp.Header.Get("ETag") == etag {
		t.Fatal("the ETag did not change with the list")
	}
	s.SetModelsStatus(http.StatusServiceUnavailable)
	if resp, body := do(t, "GET", url+"/v1/models", "", nil); resp.StatusCode != 503 || !strings.Contains(string(body), "fake outage") {
		t.Fatalf("outage: %d %s", resp.StatusCode, body)
	}
	s.SetModelsStatus(0)
	if resp, _ := do(t, "GET", url+"/v1/models", "", nil); resp.StatusCode != 200 {
		t.Fatalf("after the outage: %d", resp.StatusCode)
	}
}
