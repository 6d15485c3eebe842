package fakeupstream

import (
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults of the job state machine (see "Jobs" in the package doc).
const (
	// DefaultQueueFor is how long a job stays "queued".
	DefaultQueueFor = 4 * time.Second
	// DefaultGenerateFor is how long it is "generating" after that.
	DefaultGenerateFor = 8 * time.Second
)

// Transcript is the text of every speech-to-text job the fake completes.
const Transcript = "Hello from the fake upstream. This is a test."

// jobPrice is what one fake job costs, in US dollars (credits are 2,000,000 to the dollar).
const jobPrice = 0.06

// FakeClock is a clock for [Server.Clock] that moves only when told. It is safe for concurrent
// use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a clock at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *FakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Job is the fake's record of one job, as [Server.Jobs] reports it.
type Job struct {
	// ID is the generation id; Family is "video", "music" or "stt".
	ID, Family string
	// Scenario is the "fake:job-…" scenario it was created with, or "".
	Scenario string
	// Created is its creation time on the fake's clock.
	Created time.Time
	// Polls counts the polls it got.
	Polls int
}

// jobs is the fake's job store.
type jobs struct {
	mu   sync.Mutex
	byID map[string]*Job
	seq  int
}

// Jobs returns copies of the jobs made so far.
func (s *Server) Jobs() []Job {
	s.jobs.mu.Lock()
	defer s.jobs.mu.Unlock()
	out := make([]Job, 0, len(s.jobs.byID))
	for _, j := range s.jobs.byID {
		out = append(out, *j)
	}
	return out
}

func (s *Server) now() time.Time {
	if s.Clock != nil {
		return s.Clock()
	}
	return time.Now()
}

// jobFamily is the family of a job-creating POST path ("" for none) and of a poll GET path.
func jobFamily(method, path string) string {
	switch {
	case method == http.MethodPost && (path == "/v2/video/generations" || path == "/v1/video/generations"),
		method == http.MethodGet && path == "/v2/video/generations",
		strings.HasPrefix(path, "/v2/generate/video/") && strings.Count(path, "/") == 5 && strings.HasSuffix(path, "/generation"):
		return "video"
	case path == "/v2/generate/audio":
		return "music"
	case method == http.MethodPost && path == "/v1/stt/create",
		method == http.MethodGet && strings.HasPrefix(path, "/v1/stt/") && strings.Count(path, "/") == 3 && path != "/v1/stt/create":
		return "stt"
	}
	return ""
}

// serveJobCreate answers a POST that makes a job of family: {"id", "status": "queued"}, or
// {"generation_id"} for speech to text. The scenario is the prompt's (video, music) or the url's
// (speech to text).
func (s *Server) serveJobCreate(w http.ResponseWriter, r *http.Request, family string, body []byte) {
	var req struct {
		Model  string `json:"model"`
		Prompt string `json:"prompt"`
		URL    string `json:"url"`
	}
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	text := req.Prompt
	if family == "stt" {
		text = req.URL
	}
	scenario, arg := parseScenario(text)
	switch scenario {
	case "", "job-error", "job-5xx", "job-reset", "job-never", "job-nourl":
	case "error":
		s.answerScenarioError(w, r, arg, req.Model)
		return
	default:
		writeError(w, http.StatusBadRequest, fmt.Sprintf("Unknown fake job scenario %q.", scenario), "invalid_request_error", "")
		return
	}
	s.jobs.mu.Lock()
	if s.jobs.byID == nil {
		s.jobs.byID = map[string]*Job{}
	}
	s.jobs.seq++
	j := &Job{ID: fmt.Sprintf("fake-job-%d-%08x", s.jobs.seq, uint32(s.seq.Add(1))*2654435761), Family: family, Scenario: scenario, Created: s.now()}
	s.jobs.byID[j.ID] = j
	s.jobs.mu.Unlock()
	if family == "stt" {
		writeJSON(w, http.StatusOK, map[string]any{"generation_id": j.ID})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": j.ID, "status": "queued"})
}

// servePoll answers a GET of a job's state.
func (s *Server) servePoll(w http.ResponseWriter, r *http.Request, family string) {
	id := r.URL.Query().Get("generation_id")
	if family == "stt" {
		id = strings.TrimPrefix(r.URL.Path, "/v1/stt/")
	}
	s.jobs.mu.Lock()
	j := s.jobs.byID[id]
	var job Job
	if j != nil && j.Family == family {
		j.Polls++
		job = *j
	}
	s.jobs.mu.Unlock()
	if j == nil || job.Family != family {
		writeJSON(w, http.StatusNotFound, map[string]any{"message": fmt.Sprintf("Generation %q not found.", id),
			"path": r.URL.Path, "statusCode": 404, "timestamp": time.Now().UTC().Format(time.RFC3339Nano)})
		return
	}
	if job.Polls == 1 {
		switch job.Scenario {
		case "job-5xx":
			writeError(w, http.StatusBadGateway, "Bad gateway (fake job-5xx).", "server_error", "")
			return
		case "job-reset":
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
	}
	age := s.now().Sub(job.Created)
	queue, gen := s.QueueFor, s.GenerateFor
	if queue <= 0 {
		queue = DefaultQueueFor
	}
	if gen <= 0 {
		gen = DefaultGenerateFor
	}
	status := "completed"
	switch {
	case age < queue:
		status = "queued"
	case job.Scenario == "job-error":
		status = "error"
	case age < queue+gen || job.Scenario == "job-never":
		status = "generating"
	}
	n := strings.TrimPrefix(job.ID, "fake-job-")
	n, _, _ = strings.Cut(n, "-")
	usage := map[string]any{"usage": map[string]any{"credits_used": jobPrice * 2e6, "usd_spent": jobPrice}}
	var out map[string]any
	switch family {
	case "stt":
		out = map[string]any{"generation_id": job.ID, "status": status, "result": nil, "error": nil}
		if status == "completed" && job.Scenario != "job-nourl" {
			out["result"] = transcriptResult(job.ID)
		}
		if status == "error" {
			out["error"] = jobError
		}
	default:
		member, file := "video", "video-"+n+".webm"
		if family == "music" {
			member, file = "audio_file", "music-"+n+".wav"
		}
		out = map[string]any{"id": job.ID, "status": status, member: nil, "error": nil, "meta": nil}
		if status == "completed" {
			out["meta"] = usage
			if job.Scenario != "job-nourl" {
				out[member] = map[string]any{"url": fileURL(r, file)}
			}
		}
		if status == "error" {
			out["error"] = jobError
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// jobError is the "error" of a job in the "fake:job-error" scenario.
var jobError = map[string]any{"name": "GenerationError", "message": "The generation failed (fake job-error)."}

// TranscriptWord is one word of [Transcript] as a speech-to-text result times it.
type TranscriptWord struct {
	// Word is the word in lower case without punctuation; PunctuatedWord as in Transcript.
	Word, PunctuatedWord string
	// Start and End are its times in the audio, in seconds.
	Start, End float64
	// Confidence is between 0 and 1.
	Confidence float64
}

// TranscriptWords returns the words of [Transcript] with their deterministic timings: word i
// starts at 0.4·i s and ends 0.35 s later.
func TranscriptWords() []TranscriptWord {
	var out []TranscriptWord
	for i, w := range strings.Fields(Transcript) {
		out = append(out, TranscriptWord{Word: strings.ToLower(strings.Trim(w, ".,!?")), PunctuatedWord: w,
			Start: float64(40*i) / 100, End: float64(40*i+35) / 100, Confidence: float64(90+i%5) / 100})
	}
	return out
}

// sttModelID is the model UUID of the fake's transcripts' metadata.
const sttModelID = "00000000-fake-4000-8000-000000000001"

// transcriptResult is the Deepgram-shaped result (Voice.v1.SpeechToTextGetResponseDTO's first
// form, with results.channels an array as Deepgram sends it) of a transcript of [Transcript]:
// metadata, then one channel's one alternative with its words and its sentences as paragraphs.
func transcriptResult(id string) map[string]any {
	tw := TranscriptWords()
	words := make([]map[string]any, len(tw))
	var sentences []map[string]any
	first := 0
	for i, w := range tw {
		words[i] = map[string]any{"word": w.Word, "punctuated_word": w.PunctuatedWord, "start": w.Start, "end": w.End, "confidence": w.Confidence}
		if strings.HasSuffix(w.PunctuatedWord, ".") || i == len(tw)-1 {
			var text []string
			for _, x := range tw[first : i+1] {
				text = append(text, x.PunctuatedWord)
			}
			sentences = append(sentences, map[string]any{"text": strings.Join(text, " "), "start": tw[first].Start, "end": w.End})
			first = i + 1
		}
	}
	end := tw[len(tw)-1].End
	return map[string]any{
		"metadata": map[string]any{
			"transaction_key": "deprecated", "request_id": id,
			"sha256":   fmt.Sprintf("%x", sha256.Sum256([]byte(id))), // of no real audio
			"created":  "2026-12-03T00:00:00.000Z",
			"duration": float64(40*len(tw)) / 100, "channels": 1,
			"models":     []string{sttModelID},
			"model_info": map[string]any{sttModelID: map[string]any{"name": "general-nova", "version": "2024-01-09.29447", "arch": "nova-2"}},
		},
		"results": map[string]any{"channels": []any{map[string]any{"alternatives": []any{map[string]any{
			"transcript": Transcript, "confidence": 0.95, "words": words,
			"paragraphs": []any{map[string]any{"transcript": "\n" + Transcript, "paragraphs": map[string]any{
				"sentences": sentences, "num_words": len(tw), "start": 0.0, "end": end}}},
		}}}}},
	}
}

// serveMiniMaxMusic answers POST /v2/generate/audio/minimax/generate at once, in MiniMax's shape:
// a numeric status (2, done) and the audio's URL.
func (s *Server) serveMiniMaxMusic(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model string `json:"model"`
	}
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	n := s.seq.Add(1)
	writeJSON(w, http.StatusOK, map[string]any{
		"data": map[string]any{"status": 2, "audio": fileURL(r, fmt.Sprintf("music-m%d.wav", n))},
		"extra_info": map[string]any{"music_duration": 1000, "music_sample_rate": 8000, "music_channel": 1, "bitrate": 128000,
			"music_size": len(toneWAV)},
		"analysis_info": nil,
		"trace_id":      fmt.Sprintf("fake-trace-%d", n),
		"base_resp":     map[string]any{"status_code": 0, "status_msg": "success"},
	})
}

// serveSyncSTT answers POST /v1/stt at once: 201 with the Deepgram-shaped transcript.
func (s *Server) serveSyncSTT(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model string `json:"model"`
	}
	if !readRequest(w, body, &req, func() string { return req.Model }) {
		return
	}
	writeJSON(w, http.StatusCreated, transcriptResult(fmt.Sprintf("fake-stt-%d", s.seq.Add(1))))
}

// WAV returns a 16-bit mono PCM WAV file of a 440 Hz tone, 8 kHz, seconds long.
func WAV(seconds float64) []byte {
	const rate = 8000
	n := int(seconds * rate)
	b := make([]byte, 44+2*n)
	copy(b, "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+2*n))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16)
	binary.LittleEndian.PutUint16(b[20:], 1) // PCM
	binary.LittleEndian.PutUint16(b[22:], 1) // mono
	binary.LittleEndian.PutUint32(b[24:], rate)
	binary.LittleEndian.PutUint32(b[28:], rate*2)
	binary.LittleEndian.PutUint16(b[32:], 2)
	binary.LittleEndian.PutUint16(b[34:], 16)
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(2*n))
	for i := range n {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
		binary.LittleEndian.PutUint16(b[44+2*i:], uint16(v))
	}
	return b
}

// ClipWebM is what /files/video-N.webm serves: a real two-second 64×64 WebM (VP8) video.
//
//go:embed testdata/clip.webm
var ClipWebM []byte
