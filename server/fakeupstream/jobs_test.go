package fakeupstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func setupJobs(t *testing.T) (*Server, string, *FakeClock) {
	t.Helper()
	s, base, _ := setup(t)
	c := NewFakeClock(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	s.Clock = c.Now
	return s, base, c
}

// poll GETs url and decodes the JSON answer; the status is 0 when the connection broke.
func poll(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	// A fresh connection each time: the transport would retry a GET whose reused connection
	// breaks.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v", url, resp.StatusCode, err)
	}
	return resp.StatusCode, out
}

// family describes one job family: where it is created and polled, and its media member.
type family struct {
	name, create, body, poll, member, fileType string
}

// families are the job-creating routes.
var families = []family{
	{"video v2", "/v2/video/generations", `{"model":"x-ai/grok-imagine-video","prompt":%q}`, "/v2/video/generations?generation_id=", "video", "video/webm"},
	{"video v1", "/v1/video/generations", `{"model":"m","prompt":%q}`, "/v2/video/generations?generation_id=", "video", "video/webm"},
	{"kling", "/v2/generate/video/kling/generation", `{"model":"kling-video/v1/pro/text-to-video","prompt":%q}`, "/v2/generate/video/kling/generation?generation_id=", "video", "video/webm"},
	{"google", "/v2/generate/video/google/generation", `{"model":"veo2","prompt":%q}`, "/v2/generate/video/google/generation?generation_id=", "video", "video/webm"},
	{"alibaba", "/v2/generate/video/alibaba/generation", `{"model":"wan/v2.1/1.3b/text-to-video","prompt":%q}`, "/v2/generate/video/alibaba/generation?generation_id=", "video", "video/webm"},
	{"music", "/v2/generate/audio", `{"model":"stable-audio","prompt":%q}`, "/v2/generate/audio?generation_id=", "audio_file", "audio/wav"},
	{"stt", "/v1/stt/create", `{"model":"#g1_nova-2-general","url":%q}`, "/v1/stt/", "result", ""},
}

// createJob creates a job of f with the prompt (or url) text and returns its poll URL.
func createJob(t *testing.T, base string, f family, text string) string {
	t.Helper()
	resp, body := do(t, "POST", base+f.create, "", fmt.Appendf(nil, f.body, text))
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("create %s: %d %s", f.name, resp.StatusCode, body)
	}
	want := []string{"id", "status"}
	if f.member == "result" {
		want = []string{"generation_id"}
	}
	if keys := sortedKeys(out); !reflect.DeepEqual(keys, want) {
		t.Fatalf("create %s answered the members %v, want %v: %s", f.name, keys, want, body)
	}
	if f.member != "result" && out["status"] != "queued" {
		t.Fatalf("create %s: status %v", f.name, out["status"])
	}
	id, _ := out["id"].(string)
	if f.member == "result" {
		id, _ = out["generation_id"].(string)
	}
	if !strings.HasPrefix(id, "fake-job-") {
		t.Fatalf("create %s: id %q", f.name, id)
	}
	return base + f.poll + id
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// checkPoll checks a poll answer's members for family f in status.
func checkPoll(t *testing.T, f family, out map[string]any, status string, withMedia bool) {
	t.Helper()
	want := []string{"error", "id", "meta", "status", f.member}
	if f.member == "result" {
		want = []string{"error", "generation_id", "result", "status"}
	}
	slices.Sort(want)
	if keys := sortedKeys(out); !reflect.DeepEqual(keys, want) {
		t.Fatalf("%s: members %v, want %v", f.name, keys, want)
	}
	if out["status"] != status {
		t.Fatalf("%s: status %v, want %s", f.name, out["status"], status)
	}
	if got := out[f.member] != nil; got != withMedia {
		t.Fatalf("%s: %s = %v, want it %v", f.name, f.member, out[f.member], map[bool]string{true: "set", false: "null"}[withMedia])
	}
	if f.member != "result" {
		meta, _ := json.Marshal(out["meta"])
		if completed := status == "completed"; completed != strings.Contains(string(meta), `"usd_spent"`) || completed != strings.Contains(string(meta), `"credits_used"`) {
			t.Fatalf("%s in %s: meta %s", f.name, status, meta)
		}
	}
	if status != "error" && out["error"] != nil {
		t.Fatalf("%s: error %v", f.name, out["error"])
	}
}

func TestJobStateMachine(t *testing.T) {
	for _, f := range families {
		t.Run(f.name, func(t *testing.T) {
			s, base, c := setupJobs(t)
			s.QueueFor, s.GenerateFor = 3*time.Second, 5*time.Second
			url := createJob(t, base, f, "a wave")
			steps := []struct {
				advance time.Duration
				status  string
			}{
				{0, "queued"},
				{3*time.Second - time.Millisecond, "queued"},
				{time.Millisecond, "generating"},
				{5*time.Second - time.Millisecond, "generating"},
				{time.Millisecond, "completed"},
				{time.Hour, "completed"},
			}
			var out map[string]any
			for _, step := range steps {
				c.Advance(step.advance)
				var st int
				st, out = poll(t, url)
				if st != 200 {
					t.Fatalf("after %v: %d %v", step.advance, st, out)
				}
				checkPoll(t, f, out, step.status, step.status == "completed")
			}
			js := s.Jobs()
			if len(js) != 1 || js[0].Polls != len(steps) || js[0].Scenario != "" || !strings.HasSuffix(url, "="+js[0].ID) && !strings.HasSuffix(url, "/"+js[0].ID) {
				t.Fatalf("jobs %+v", js)
			}
			if f.member == "result" {
				checkTranscript(t, out["result"], js[0].ID)
				return
			}
			file, _ := out[f.member].(map[string]any)["url"].(string)
			wantFile := map[string]string{"video": "/files/video-", "audio_file": "/files/music-"}[f.member]
			if !strings.HasPrefix(file, base+wantFile) {
				t.Fatalf("file URL %q, want it to start %s", file, base+wantFile)
			}
			req, _ := http.NewRequest("GET", file, nil)
			req.Header.Set("Range", "bytes=0-99")
			fr, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			part, _ := io.ReadAll(fr.Body)
			fr.Body.Close()
			if fr.StatusCode != 206 || len(part) != 100 || fr.Header.Get("Content-Type") != f.fileType || fr.Header.Get("Accept-Ranges") != "bytes" {
				t.Fatalf("file %s: %d, %d bytes, %q", file, fr.StatusCode, len(part), fr.Header.Get("Content-Type"))
			}
		})
	}
}

// checkTranscript checks a Deepgram-shaped transcript result of Transcript.
func checkTranscript(t *testing.T, result any, requestID string) {
	t.Helper()
	b, _ := json.Marshal(result)
	var got struct {
		Metadata struct {
			TransactionKey string `json:"transaction_key"`
			RequestID      string `json:"request_id"`
			SHA256         string
			Created        time.Time
			Duration       float64
			Channels       int
			Models         []string
			ModelInfo      map[string]struct{ Name, Version, Arch string } `json:"model_info"`
		}
		Results struct {
			Channels []struct {
				Alternatives []struct {
					Transcript string
					Confidence float64
					Words      []struct {
						Word           string
						PunctuatedWord string `json:"punctuated_word"`
						Start, End     float64
						Confidence     float64
					}
					Paragraphs []struct {
						Transcript string
						Paragraphs struct {
							Sentences []struct {
								Text       string
								Start, End float64
							}
							NumWords int `json:"num_words"`
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("transcript %s: %v", b, err)
	}
	m := got.Metadata
	if m.TransactionKey != "deprecated" || (requestID != "" && m.RequestID != requestID) || len(m.SHA256) != 64 || m.Created.IsZero() || m.Channels != 1 ||
		len(m.Models) != 1 || m.ModelInfo[m.Models[0]].Arch == "" || m.Duration <= 0 {
		t.Fatalf("metadata %+v", m)
	}
	if len(got.Results.Channels) != 1 || len(got.Results.Channels[0].Alternatives) != 1 {
		t.Fatalf("results %s", b)
	}
	alt := got.Results.Channels[0].Alternatives[0]
	if alt.Transcript != Transcript || alt.Confidence <= 0 || alt.Confidence > 1 {
		t.Fatalf("alternative %+v", alt)
	}
	words := TranscriptWords()
	if len(alt.Words) != len(words) {
		t.Fatalf("%d words, want %d", len(alt.Words), len(words))
	}
	var joined []string
	for i, w := range alt.Words {
		want := words[i]
		if w.Word != want.Word || w.PunctuatedWord != want.PunctuatedWord || w.Start != want.Start || w.End != want.End || w.Confidence != want.Confidence {
			t.Fatalf("word %d = %+v, want %+v", i, w, want)
		}
		joined = append(joined, w.PunctuatedWord)
	}
	if strings.Join(joined, " ") != Transcript {
		t.Fatalf("the words make %q", strings.Join(joined, " "))
	}
	if len(alt.Paragraphs) != 1 || len(alt.Paragraphs[0].Paragraphs.Sentences) != 2 || alt.Paragraphs[0].Paragraphs.NumWords != len(words) ||
		alt.Paragraphs[0].Paragraphs.Sentences[1].Text != "This is a test." {
		t.Fatalf("paragraphs %+v", alt.Paragraphs)
	}
}

func TestTranscriptWords(t *testing.T) {
	words := TranscriptWords()
	if len(words) != len(strings.Fields(Transcript)) {
		t.Fatalf("%d words for %q", len(words), Transcript)
	}
	for i, w := range words {
		if w.Word != strings.ToLower(w.Word) || strings.ContainsAny(w.Word, ".,") || w.End <= w.Start || w.Confidence <= 0 || w.Confidence > 1 {
			t.Errorf("word %d: %+v", i, w)
		}
		if i > 0 && w.Start < words[i-1].End {
			t.Errorf("word %d starts at %v, before the last one ends (%v)", i, w.Start, words[i-1].End)
		}
	}
	if words[1].Start != 0.4 || words[0].PunctuatedWord != "Hello" || words[0].Word != "hello" || words[4].PunctuatedWord != "upstream." {
		t.Errorf("words %+v", words)
	}
}

func TestJobScenarios(t *testing.T) {
	type poll1 struct {
		status    int    // 0: a broken connection
		jobStatus string // when status is 200
	}
	tests := []struct {
		scenario string
		first    poll1  // the first poll, at creation
		second   poll1  // the second poll, at creation too
		later    string // the status an hour later
		media    bool   // whether the later poll has its media
	}{
		{"fake:job-error", poll1{200, "queued"}, poll1{200, "queued"}, "error", false},
		{"fake:job-5xx", poll1{502, ""}, poll1{200, "queued"}, "completed", true},
		{"fake:job-reset", poll1{0, ""}, poll1{200, "queued"}, "completed", true},
		{"fake:job-never", poll1{200, "queued"}, poll1{200, "queued"}, "generating", false},
		{"fake:job-nourl", poll1{200, "queued"}, poll1{200, "queued"}, "completed", false},
	}
	for _, f := range families {
		for _, tt := range tests {
			t.Run(f.name+" "+tt.scenario, func(t *testing.T) {
				s, base, c := setupJobs(t)
				url := createJob(t, base, f, tt.scenario)
				for i, want := range []poll1{tt.first, tt.second} {
					st, out := poll(t, url)
					if st != want.status {
						t.Fatalf("poll %d: %d %v, want %d", i+1, st, out, want.status)
					}
					switch {
					case st == 502:
						if e, _ := out["error"].(map[string]any); e["type"] != "server_error" {
							t.Fatalf("poll %d: the 502 says %v", i+1, out)
						}
					case st == 200:
						checkPoll(t, f, out, want.jobStatus, false)
					}
				}
				c.Advance(time.Hour)
				st, out := poll(t, url)
				if st != 200 {
					t.Fatalf("an hour later: %d %v", st, out)
				}
				checkPoll(t, f, out, tt.later, tt.media)
				if tt.later == "error" {
					if e, _ := out["error"].(map[string]any); e["name"] != "GenerationError" || e["message"] == "" {
						t.Fatalf("error %v", out["error"])
					}
				}
				if tt.scenario == "fake:job-never" {
					c.Advance(1000 * time.Hour)
					if _, out := poll(t, url); out["status"] != "generating" {
						t.Fatalf("1000 hours later: %v", out)
					}
				}
				if tt.scenario == "fake:job-nourl" && f.member != "result" {
					if meta, _ := json.Marshal(out["meta"]); !strings.Contains(string(meta), "usd_spent") {
						t.Fatalf("completed without a file but without its cost: %s", meta)
					}
				}
				if js := s.Jobs(); len(js) != 1 || js[0].Scenario != strings.TrimPrefix(tt.scenario, "fake:") || js[0].Polls < 3 {
					t.Fatalf("jobs %+v", js)
				}
			})
		}
	}
}

func TestJobRefusals(t *testing.T) {
	s, base, _ := setupJobs(t)
	video := createJob(t, base, families[0], "a wave")
	music := createJob(t, base, families[5], "a tune")
	stt := createJob(t, base, families[6], "https://x/a.mp3")
	idOf := func(url string) string { return url[strings.LastIndexAny(url, "=/")+1:] }
	tests := []struct {
		name, method, path, body, auth string
		wantStatus                     int
		wantInBody                     string
	}{
		{"unknown video id", "GET", "/v2/video/generations?generation_id=nope", "", "", 404, `"statusCode":404`},
		{"no id", "GET", "/v2/video/generations", "", "", 404, `Generation \"\" not found`},
		{"unknown stt id", "GET", "/v1/stt/nope", "", "", 404, `"path":"/v1/stt/nope"`},
		{"video id on the music route", "GET", "/v2/generate/audio?generation_id=" + idOf(video), "", "", 404, "not found"},
		{"music id on the video route", "GET", "/v2/video/generations?generation_id=" + idOf(music), "", "", 404, "not found"},
		{"stt id on the kling route", "GET", "/v2/generate/video/kling/generation?generation_id=" + idOf(stt), "", "", 404, "not found"},
		{"video id on the stt route", "GET", "/v1/stt/" + idOf(video), "", "", 404, "not found"},
		{"poll without the key", "GET", "/v2/video/generations?generation_id=" + idOf(video), "", "-", 401, "API key"},
		{"create without the key", "POST", "/v2/generate/audio", `{"model":"m","prompt":"x"}`, "-", 401, "API key"},
		{"video error 429", "POST", "/v2/video/generations", `{"model":"m","prompt":"fake:error 429"}`, "", 429, "rate_limit_exceeded"},
		{"music error 403", "POST", "/v2/generate/audio", `{"model":"m","prompt":"fake:error 403"}`, "", 403, "enough credits"},
		{"stt error 500", "POST", "/v1/stt/create", `{"model":"m","url":"fake:error"}`, "", 500, "server_error"},
		{"unknown scenario", "POST", "/v2/video/generations", `{"model":"m","prompt":"fake:job-what"}`, "", 400, `scenario \"job-what\"`},
		{"no model", "POST", "/v2/generate/video/kling/generation", `{"prompt":"x"}`, "", 400, "model parameter"},
		{"bad json", "POST", "/v1/stt/create", `{`, "", 400, "could not parse"},
		{"a vendor route one level too deep", "GET", "/v2/generate/video/a/b/generation?generation_id=" + idOf(video), "", "", 404, "Invalid URL"},
	}
	s.Key = "k"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			auth := "Bearer k"
			if tt.auth == "-" {
				auth = ""
			}
			resp, body := do(t, tt.method, base+tt.path, auth, []byte(tt.body))
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantInBody) || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("%d %s, want %d with %s", resp.StatusCode, body, tt.wantStatus, tt.wantInBody)
			}
		})
	}
	if js := s.Jobs(); len(js) != 3 {
		t.Fatalf("%d jobs, want the 3 made before (refused creations make none): %+v", len(js), js)
	}
	for _, j := range s.Jobs() {
		if j.Polls != 0 {
			t.Errorf("job %s (%s) counted %d polls of the wrong family", j.ID, j.Family, j.Polls)
		}
	}
}

func TestJobIDsUnique(t *testing.T) {
	s, base, _ := setupJobs(t)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			f := families[i%len(families)]
			req, _ := http.NewRequest("POST", base+f.create, strings.NewReader(fmt.Sprintf(f.body, "x")))
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, j := range s.Jobs() {
		if seen[j.ID] || !strings.HasPrefix(j.ID, "fake-job-") {
			t.Errorf("id %q twice or malformed", j.ID)
		}
		seen[j.ID] = true
	}
	if len(seen) != 20 {
		t.Fatalf("%d jobs, want 20", len(seen))
	}
}

func TestFakeClock(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := NewFakeClock(start)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			c.Advance(time.Second)
			_ = c.Now()
		})
	}
	wg.Wait()
	if got, want := c.Now(), start.Add(10*time.Second); !got.Equal(want) {
		t.Fatalf("Now() = %v, want %v", got, want)
	}
	// Without a Clock, the server's jobs run on time.Now: a fresh job is queued.
	s, base, _ := setup(t)
	if s.Clock != nil {
		t.Fatal("New sets a Clock")
	}
	if _, out := poll(t, createJob(t, base, families[0], "x")); out["status"] != "queued" {
		t.Fatalf("a fresh job on the real clock: %v", out)
	}
}

func TestSyncAudio(t *testing.T) {
	_, base, _ := setup(t)
	t.Run("minimax", func(t *testing.T) {
		resp, body := do(t, "POST", base+"/v2/generate/audio/minimax/generate", "", []byte(`{"model":"minimax/music-01","lyrics":"la la"}`))
		var mm struct {
			Data struct {
				Status int
				Audio  string
			}
			ExtraInfo struct {
				MusicDuration   int `json:"music_duration"`
				MusicSampleRate int `json:"music_sample_rate"`
			} `json:"extra_info"`
			TraceID  string `json:"trace_id"`
			BaseResp struct {
				StatusCode *int   `json:"status_code"`
				StatusMsg  string `json:"status_msg"`
			} `json:"base_resp"`
		}
		if err := json.Unmarshal(body, &mm); err != nil || resp.StatusCode != 200 || mm.Data.Status != 2 || mm.ExtraInfo.MusicDuration <= 0 ||
			mm.TraceID == "" || mm.BaseResp.StatusCode == nil || *mm.BaseResp.StatusCode != 0 || mm.BaseResp.StatusMsg != "success" {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		fr, wav := do(t, "GET", mm.Data.Audio, "", nil)
		if !strings.HasPrefix(mm.Data.Audio, base+"/files/music-") || fr.StatusCode != 200 || fr.Header.Get("Content-Type") != "audio/wav" || string(wav[:4]) != "RIFF" {
			t.Fatalf("audio %s: %d %q", mm.Data.Audio, fr.StatusCode, fr.Header.Get("Content-Type"))
		}
	})
	t.Run("stt", func(t *testing.T) {
		resp, body := do(t, "POST", base+"/v1/stt", "", []byte(`{"model":"#g1_nova-2-general","url":"https://x/a.mp3"}`))
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		var out map[string]any
		if err := json.Unmarshal(body, &out); err != nil || !reflect.DeepEqual(sortedKeys(out), []string{"metadata", "results"}) {
			t.Fatalf("%s", body)
		}
		checkTranscript(t, out, "")
	})
}

func TestWAV(t *testing.T) {
	le16 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
	le32 := func(b []byte) int { return le16(b) | le16(b[2:])<<16 }
	for _, tt := range []struct {
		seconds float64
		samples int
	}{{0, 0}, {0.5, 4000}, {1, 8000}, {2.25, 18000}} {
		w := WAV(tt.seconds)
		if len(w) != 44+2*tt.samples || string(w[:4]) != "RIFF" || le32(w[4:]) != len(w)-8 || string(w[8:16]) != "WAVEfmt " ||
			le16(w[20:]) != 1 || le16(w[22:]) != 1 || le32(w[24:]) != 8000 || le16(w[34:]) != 16 || string(w[36:40]) != "data" || le32(w[40:]) != 2*tt.samples {
			t.Errorf("WAV(%v): header % x, %d bytes", tt.seconds, w[:min(44, len(w))], len(w))
		}
		if tt.samples > 10 {
			loud := false
			for i := 44; i < len(w); i += 2 {
				if v := int16(le16(w[i:])); v > 4000 || v < -4000 {
					loud = true
				}
			}
			if !loud {
				t.Errorf("WAV(%v) is silent", tt.seconds)
			}
		}
	}
}

func TestJobFiles(t *testing.T) {
	_, base, _ := setup(t)
	tests := []struct {
		name, method, path, rangeHdr string
		wantStatus                   int
		wantType                     string
		want                         []byte // the whole file, nil for an error
		from, n                      int    // the bytes answered: want[from:from+n]
	}{
		{"video", "GET", "/files/video-12.webm", "", 200, "video/webm", ClipWebM, 0, len(ClipWebM)},
		{"video range", "GET", "/files/video-1.webm", "bytes=100-199", 206, "video/webm", ClipWebM, 100, 100},
		{"video open range", "GET", "/files/video-1.webm", "bytes=6000-", 206, "video/webm", ClipWebM, 6000, len(ClipWebM) - 6000},
		{"video head", "HEAD", "/files/video-1.webm", "", 200, "video/webm", ClipWebM, 0, 0},
		{"video unsatisfiable", "GET", "/files/video-1.webm", "bytes=99999-", 416, "", nil, 0, 0},
		{"music", "GET", "/files/music-3.wav", "", 200, "audio/wav", WAV(1), 0, len(WAV(1))},
		{"music range", "GET", "/files/music-m9.wav", "bytes=0-43", 206, "audio/wav", WAV(1), 0, 44},
		{"speech", "GET", "/files/speech-4.wav", "bytes=44-", 206, "audio/wav", WAV(1), 44, len(WAV(1)) - 44},
		{"speech head", "HEAD", "/files/speech-4.wav", "", 200, "audio/wav", WAV(1), 0, 0},
		{"ocr page", "GET", "/files/ocr-page.png", "", 200, "image/png", FilePNG("ocr-page.png"), 0, len(FilePNG("ocr-page.png"))},
		{"nested video", "GET", "/files/x/video-1.webm", "", 404, "application/json", nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, nil)
			if tt.rangeHdr != "" {
				req.Header.Set("Range", tt.rangeHdr)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.wantType) {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tt.wantStatus, tt.wantType)
			}
			if tt.want == nil {
				return
			}
			if !bytes.Equal(body, tt.want[tt.from:tt.from+tt.n]) {
				t.Fatalf("%d bytes, want bytes %d to %d of the file", len(body), tt.from, tt.from+tt.n)
			}
			if want := fmt.Sprintf("bytes %d-%d/%d", tt.from, tt.from+tt.n-1, len(tt.want)); tt.wantStatus == 206 && resp.Header.Get("Content-Range") != want {
				t.Fatalf("Content-Range %q, want %q", resp.Header.Get("Content-Range"), want)
			}
			if tt.method == "HEAD" && resp.ContentLength != int64(len(tt.want)) {
				t.Fatalf("HEAD: Content-Length %d, want %d", resp.ContentLength, len(tt.want))
			}
			if ranged := !strings.HasSuffix(tt.path, ".png"); ranged && resp.Header.Get("Accept-Ranges") != "bytes" {
				t.Fatalf("Accept-Ranges %q", resp.Header.Get("Accept-Ranges"))
			}
		})
	}
	// The clip is a real WebM file: an EBML header naming the webm doc type.
	if !strings.HasPrefix(string(ClipWebM), "\x1a\x45\xdf\xa3") || !strings.Contains(string(ClipWebM[:64]), "webm") || len(ClipWebM) > 32<<10 {
		t.Errorf("ClipWebM: % x…, %d bytes", ClipWebM[:16], len(ClipWebM))
	}
	rec := httptest.NewRecorder()
	New().ServeHTTP(rec, httptest.NewRequest("POST", "/files/video-1.webm", nil))
	if rec.Code != 405 {
		t.Errorf("POST to a video file: %d", rec.Code)
	}
}
