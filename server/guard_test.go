package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawRequest sends bytes as they are, since Go's client cleans what these tests need to send.
func rawRequest(t *testing.T, addr, request string) (int, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response to %q: %v", request, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOddRequestTargetsAreRefused(t *testing.T) {
	e := mustRun(t, false, "")
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	body := chatBody("hi", "")
	post := func(target string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
			target, addr, len(body), body)
	}
	tests := []struct {
		name, request string
		status        int
		code          string
	}{
		{"absolute-form target", post("http://evil.example/api/v1/chat/completions"), 400, "bad_request_target"},
		{"dot segments", post("/api/v1/../v1/chat/completions"), 400, "bad_request_target"},
		{"encoded slash", post("/api/v1%2Fchat%2Fcompletions"), 400, "bad_request_target"},
		{"encoded dot", post("/api/v1/%2e%2e/v1/chat/completions"), 400, "bad_request_target"},
		{"backslash", post(`/api/v1\chat/completions`), 400, "bad_request_target"},
		{"odd method", "TRACE /api/v1/chat/completions HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n", 405, "method_not_allowed"},
		{"odd method on a page", "PROPFIND / HTTP/1.1\r\nHost: " + addr + "\r\nConnection: close\r\n\r\n", 405, "method_not_allowed"},
		{"unknown API route", post("/api/v1/completions"), 404, "not_found"},
		{"the real route", post("/api/v1/chat/completions"), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, b := rawRequest(t, addr, tt.request)
			if status != tt.status || (tt.code != "" && !strings.Contains(b, `"code":"`+tt.code+`"`)) {
				t.Fatalf("got %d %s, want %d %s", status, b, tt.status, tt.code)
			}
		})
	}
	if n := len(e.fake.Requests()); n != 1 {
		t.Fatalf("the upstream got %d requests, want only the real route's", n)
	}
}
