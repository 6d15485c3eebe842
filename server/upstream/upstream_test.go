package upstream

import "testing"

// TestOutboundPath: an operation under /v1 goes below the base URL's path, any other below its
// root.
func TestOutboundPath(t *testing.T) {
	tests := []struct{ base, endpoint, want string }{
		{"/v1", "/v1/chat/completions", "/v1/chat/completions"},
		{"/v1", "/v1/images/generations", "/v1/images/generations"},
		{"/v1", "/v2/video/generations", "/v2/video/generations"},
		{"/v1/openai", "/v1/embeddings", "/v1/openai/embeddings"},
		{"", "/v2/x", "/v2/x"},
		{"", "/v1/embeddings", "/embeddings"},
		{"/api/v1", "/v2/x", "/api/v2/x"},
		{"/api/v1", "/v1/x", "/api/v1/x"},
	}
	for _, tt := range tests {
		if got := OutboundPath(tt.base, tt.endpoint); got != tt.want {
			t.Errorf("OutboundPath(%q, %q) = %q, want %q", tt.base, tt.endpoint, got, tt.want)
		}
	}
}
