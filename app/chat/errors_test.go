package chat

import (
	"strings"
	"testing"
)

func TestParseError(t *testing.T) {
	long := strings.Repeat("word ", 200)
	tests := []struct {
		name                  string
		status                int
		body                  string
		wantStatus            int
		wantMsg, wantType     string
		wantCode, wantErrText string // wantErrText: substring of Error()
	}{
		{
			name: "openai", status: 401,
			body:       `{"error":{"message":"Incorrect API key provided: sk-abc.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			wantStatus: 401, wantMsg: "Incorrect API key provided: sk-abc.", wantType: "invalid_request_error", wantCode: "invalid_api_key",
			wantErrText: "API error 401 (Unauthorized): Incorrect API key provided: sk-abc. [type invalid_request_error, code invalid_api_key]",
		},
		{
			name: "numeric code", status: 429,
			body:       `{"error":{"message":"Rate limit reached","type":"rate_limit_error","code":429}}`,
			wantStatus: 429, wantMsg: "Rate limit reached", wantType: "rate_limit_error", wantCode: "429",
			wantErrText: "API error 429 (Too Many Requests): Rate limit reached [type rate_limit_error]",
		},
		{
			name: "aimlapi", status: 403,
			body:       `{"message":"You've run out of credits. Please top up your balance.","path":"/v1/chat/completions","requestId":"f0e1d2c3","statusCode":403,"timestamp":"2025-01-01T00:00:00.000Z"}`,
			wantStatus: 403, wantMsg: "You've run out of credits. Please top up your balance.",
		},
		{
			name: "aimlapi list message", status: 400,
			body:       `{"message":["model must be a string","messages should not be empty"],"path":"/v1/chat/completions","statusCode":400}`,
			wantStatus: 400, wantMsg: "model must be a string; messages should not be empty",
		},
		{
			name: "status from payload", status: 0,
			body:       `{"message":"Too many requests","statusCode":429}`,
			wantStatus: 429, wantMsg: "Too many requests",
		},
		{name: "error string", status: 500, body: `{"error":"upstream exploded"}`, wantStatus: 500, wantMsg: "upstream exploded"},
		{name: "fastapi detail", status: 404, body: `{"detail":"Not Found"}`, wantStatus: 404, wantMsg: "Not Found"},
		{
			name: "fastapi validation", status: 422,
			body:       `{"detail":[{"loc":["body","model"],"msg":"field required","type":"value_error.missing"}]}`,
			wantStatus: 422, wantMsg: "field required",
		},
		{
			name: "vllm", status: 400,
			body:       `{"object":"error","message":"The model 'x' does not exist.","type":"NotFoundError","param":null,"code":404}`,
			wantStatus: 400, wantMsg: "The model 'x' does not exist.", wantType: "NotFoundError", wantCode: "404",
		},
		{
			name: "openrouter raw", status: 429,
			body:       `{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"qwen is temporarily rate-limited","provider_name":"Chutes"}}}`,
			wantStatus: 429, wantMsg: "Provider returned error: qwen is temporarily rate-limited", wantCode: "429",
		},
		{name: "google status", status: 400, body: `{"error":{"code":400,"message":"Bad key","status":"INVALID_ARGUMENT"}}`, wantStatus: 400, wantMsg: "Bad key", wantType: "INVALID_ARGUMENT", wantCode: "400"},
		{name: "plain text", status: 502, body: "  upstream connect error\n or disconnect  ", wantStatus: 502, wantMsg: "upstream connect error or disconnect"},
		{name: "long text capped", status: 500, body: long, wantStatus: 500, wantMsg: strings.TrimSpace(long[:maxSnippet]) + "…"},
		{name: "html", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>", wantStatus: 502, wantMsg: "the server could not reach the model provider"},
		{name: "empty 401", status: 401, body: "", wantStatus: 401, wantMsg: "the API key is missing or invalid"},
		{name: "empty 418", status: 418, body: " ", wantStatus: 418, wantMsg: "the server answered 418 I'm a teapot"},
		{name: "unknown json", status: 500, body: `{"foo":1}`, wantStatus: 500, wantMsg: `{"foo":1}`},
		{name: "error without message", status: 503, body: `{"error":{"type":"overloaded"}}`, wantStatus: 503, wantMsg: "the service is unavailable or overloaded, try again later", wantType: "overloaded"},
		{name: "binary", status: 500, body: "\xff\xfe\x00", wantStatus: 500, wantMsg: "the server had an internal error"},
		{name: "no status", status: 0, body: "", wantStatus: 0, wantMsg: "the server reported an error without details", wantErrText: "API error: the server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ParseError(tt.status, []byte(tt.body))
			if got, want := e.Status, tt.wantStatus; got != want {
				t.Errorf("Status = %d, want %d", got, want)
			}
			if got, want := e.Message, tt.wantMsg; got != want {
				t.Errorf("Message = %q, want %q", got, want)
			}
			if got, want := e.Type, tt.wantType; got != want {
				t.Errorf("Type = %q, want %q", got, want)
			}
			if got, want := e.Code, tt.wantCode; got != want {
				t.Errorf("Code = %q, want %q", got, want)
			}
			if tt.wantErrText != "" && !strings.Contains(e.Error(), tt.wantErrText) {
				t.Errorf("Error() = %q, want it to contain %q", e.Error(), tt.wantErrText)
			}
		})
	}
}

func TestSnippetRuneSafe(t *testing.T) {
	s := snippet([]byte(strings.Repeat("é", maxSnippet)))
	if got, want := strings.HasSuffix(s, "…"), true; got != want {
		t.Fatalf("snippet not marked as cut: %q", s)
	}
	if strings.ContainsRune(s, '\uFFFD') {
		t.Fatalf("snippet cut inside a rune: %q", s)
	}
}
