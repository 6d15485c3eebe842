package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestModelListProviderInfo checks that GET /api/models gives each provider's public base URL and
// key variable for "View code", and never its key (Validate rejects user info in base URLs).
func TestModelListProviderInfo(t *testing.T) {
	e := runLive(t, nil)
	resp, body := e.do(t, "GET", "/api/models", "", nil)
	var out struct {
		ProviderInfo []struct {
			Name    string `json:"name"`
			BaseURL string `json:"base_url"`
			KeyEnv  string `json:"key_env"`
		} `json:"provider_info"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &out) != nil {
		t.Fatalf("GET /api/models: %d %s", resp.StatusCode, body)
	}
	want := []string{"aimlapi " + e.upstream1 + "/v1 AIMLAPI_API_KEY", "deepinfra " + e.upstream2 + "/v1 DEEPINFRA_API_KEY"}
	if len(out.ProviderInfo) != len(want) {
		t.Fatalf("provider_info = %+v", out.ProviderInfo)
	}
	for i, p := range out.ProviderInfo {
		if got := p.Name + " " + p.BaseURL + " " + p.KeyEnv; got != want[i] {
			t.Errorf("provider_info[%d] = %q, want %q", i, got, want[i])
		}
	}
	if s := string(body); strings.Contains(s, canary) || strings.Contains(s, canary2) {
		t.Error("the model list holds a secret")
	}
}
