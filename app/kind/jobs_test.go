package kind

import (
	"net/url"
	"reflect"
	"testing"
)

func TestReadJob(t *testing.T) {
	tests := []struct {
		name string
		body string
		want JobState
	}{
		{"video created", `{"id":"g1","status":"queued"}`, JobState{ID: "g1", Status: StatusQueued, RawStatus: "queued"}},
		{"video generating", `{"id":"g1","status":"generating","video":null,"error":null}`,
			JobState{ID: "g1", Status: StatusGenerating, RawStatus: "generating"}},
		{"video completed", `{"id":"g1","status":"completed","video":{"url":"https://files.example/a.mp4"},"meta":{"usage":{"credits_used":120000,"usd_spent":0.06}}}`,
			JobState{ID: "g1", Status: StatusCompleted, RawStatus: "completed", Media: []string{"https://files.example/a.mp4"},
				Usage: Usage{Credits: 120000, USD: 0.06}}},
		{"video failed", `{"id":"g1","status":"error","error":{"name":"GenerationError","message":"The prompt was refused."}}`,
			JobState{ID: "g1", Status: StatusFailed, RawStatus: "error", ErrName: "GenerationError", ErrMessage: "The prompt was refused."}},
		{"completed without a file", `{"id":"g1","status":"completed","video":null}`,
			JobState{ID: "g1", Status: StatusCompleted, RawStatus: "completed"}},
		{"music", `{"id":"m1","status":"completed","audio_file":{"url":"https://files.example/a.wav"}}`,
			JobState{ID: "m1", Status: StatusCompleted, RawStatus: "completed", Media: []string{"https://files.example/a.wav"}}},
		{"other status words", `{"id":"x","status":"IN_PROGRESS"}`, JobState{ID: "x", Status: StatusGenerating, RawStatus: "IN_PROGRESS"}},
		{"unknown status word", `{"id":"x","status":"thinking"}`, JobState{ID: "x", RawStatus: "thinking"}},
		{"stt created", `{"generation_id":"s1"}`, JobState{ID: "s1"}},
		{"stt completed", `{"generation_id":"s1","status":"completed","result":{"results":{"channels":[]}}}`,
			JobState{ID: "s1", Status: StatusCompleted, RawStatus: "completed", Result: []byte(`{"results":{"channels":[]}}`)}},
		{"stt sync", `{"metadata":{"duration":1},"results":{"channels":[]}}`,
			JobState{Status: StatusCompleted, Result: []byte(`{"metadata":{"duration":1},"results":{"channels":[]}}`)}},
		{"minimax in progress", `{"data":{"status":1,"audio":""},"base_resp":{"status_code":0,"status_msg":"success"}}`,
			JobState{Status: StatusGenerating, RawStatus: "1"}},
		{"minimax url", `{"data":{"status":2,"audio":"https://files.example/a.mp3"},"base_resp":{"status_code":0}}`,
			JobState{Status: StatusCompleted, RawStatus: "2", Media: []string{"https://files.example/a.mp3"}}},
		{"minimax hex", `{"data":{"status":2,"audio":"52494646"}}`, JobState{Status: StatusCompleted, RawStatus: "2", Audio: []byte("RIFF")}},
		{"minimax error", `{"base_resp":{"status_code":1004,"status_msg":"authentication failed"}}`,
			JobState{Status: StatusFailed, ErrName: "status_code 1004", ErrMessage: "authentication failed"}},
		{"error as a string", `{"id":"x","error":"boom"}`, JobState{ID: "x", Status: StatusFailed, ErrMessage: "boom"}},
		{"not an object", `[1,2]`, JobState{}},
		{"not JSON", `<html>`, JobState{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReadJob([]byte(tt.body))
			if got.Result != nil && tt.want.Result != nil && string(got.Result) == string(tt.want.Result) {
				got.Result, tt.want.Result = nil, nil
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ReadJob(%s)\n got %+v\nwant %+v", tt.body, got, tt.want)
			}
			if got.Done() != (tt.want.Status == StatusCompleted || tt.want.Status == StatusFailed) {
				t.Errorf("Done() = %v", got.Done())
			}
		})
	}
}

func TestPolls(t *testing.T) {
	tests := []struct {
		kind       Kind
		path, id   string
		poll       string
		pollKind   Kind
		pollPathNQ string
	}{
		{Video, "/v2/video/generations", "a:b.c", "/v2/video/generations?generation_id=a%3Ab.c", Video, "/v2/video/generations"},
		{Video, "/v1/video/generations", "g", "/v2/video/generations?generation_id=g", Video, "/v2/video/generations"},
		{Video, "/v2/generate/video/kling/generation", "g", "/v2/generate/video/kling/generation?generation_id=g", Video, "/v2/generate/video/kling/generation"},
		{Music, "/v2/generate/audio", "g", "/v2/generate/audio?generation_id=g", Music, "/v2/generate/audio"},
		{Music, "/v2/generate/audio/minimax/generate", "g", "", nil, ""},
		{STT, "/v1/stt/create", "g-1", "/v1/stt/g-1", STT, "/v1/stt/g-1"},
		{STT, "/v1/stt/create", "g/1", "", nil, ""},
		{Video, "/v2/video/generations", "<x>", "", nil, ""},
		{STT, "/v1/stt", "g", "", nil, ""},
		{Video, "/v2/video/generations", "", "", nil, ""},
	}
	for _, tt := range tests {
		p := tt.kind.(Poller)
		got := p.PollPath(tt.path, tt.id)
		if got != tt.poll {
			t.Errorf("%s PollPath(%s, %q) = %q, want %q", tt.kind.Name(), tt.path, tt.id, got, tt.poll)
		}
		if tt.poll == "" {
			continue
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		if k := PollKind(u.EscapedPath()); k != tt.pollKind {
			t.Errorf("PollKind(%s) = %v, want %s", u.EscapedPath(), k, tt.pollKind.Name())
		}
		if id := JobID(u.Path, u.Query()); id != tt.id {
			t.Errorf("JobID(%s) = %q, want %q", got, id, tt.id)
		}
	}
	for _, path := range []string{"/v1/chat/completions", "/v1/stt", "/v1/stt/create/x", "/v2/generate/audio/minimax/generate", "/v1/models"} {
		if k := PollKind(path); k != nil && path != "/v1/stt/create/x" {
			t.Errorf("PollKind(%s) = %s, want none", path, k.Name())
		}
	}
	if JobID("/v1/stt/a/b", nil) != "" {
		t.Error("a stt poll with two segments names an id")
	}
}

func TestMediaURLs(t *testing.T) {
	tests := []struct {
		kind Kind
		body string
		want []string
	}{
		{Images, `{"data":[{"url":"https://files.example/1.png"},{"b64_json":"AA"},{"url":"javascript:x"}],"images":[{"url":"http://files.example/2.png"}]}`, []string{"https://files.example/1.png", "http://files.example/2.png"}},
		{Video, `{"id":"g","status":"completed","video":{"url":"https://files.example/v.mp4"}}`, []string{"https://files.example/v.mp4"}},
		{ByName("tts"), `{"audio":"https://files.example/s.wav"}`, []string{"https://files.example/s.wav"}},
		{Embeddings, `not json`, nil},
	}
	for _, tt := range tests {
		if got := MediaURLs(tt.kind, []byte(tt.body)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MediaURLs(%s, %s) = %v, want %v", tt.kind.Name(), tt.body, got, tt.want)
		}
	}
}

func FuzzReadJob(f *testing.F) {
	for _, s := range []string{`{"id":"g","status":"completed","video":{"url":"https://files.example/v.mp4"}}`,
		`{"data":{"status":2,"audio":"52494646"},"base_resp":{"status_code":3}}`, `{"generation_id":"s","result":{}}`, `{"error":{"code":5}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		j := ReadJob(body)
		switch j.Status {
		case "", StatusQueued, StatusGenerating, StatusCompleted, StatusFailed:
		default:
			t.Fatalf("status %q is not a normalised one", j.Status)
		}
		for _, m := range j.Media {
			if !isHTTP(m) {
				t.Fatalf("media %q is not an http(s) URL", m)
			}
		}
		_ = MediaURLs(Video, body)
		_ = MediaURLs(Images, body)
	})
}
