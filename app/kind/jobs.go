package kind

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"playground/app/schema"
)

// Video is video generation (`/v2/video/generations`, `/v1/video/generations` and the vendors'
// `/v2/generate/video/{vendor}/generation`): the answer is a job, polled with a GET of
// `/v2/video/generations?generation_id=…` (or the vendor's own path) until it holds the video.
var Video Kind = &jobKind{base: base{name: "video", label: "Video", group: "video", mode: Job,
	paths: []string{"/v2/video/generations", "/v1/video/generations", "/video/generations", "/v2/generate/video/*"}},
	media: "video", ownPrompt: true,
	polls: []string{"/v2/video/generations", "/v2/generate/video/*"}}

// Music is music and sound generation (`/v2/generate/audio`): a job polled with a GET of
// `/v2/generate/audio?generation_id=…`. MiniMax's `/v2/generate/audio/minimax/generate` answers
// at once, with a numeric status and the audio as a URL or hex.
var Music Kind = &jobKind{base: base{name: "music", label: "Music", group: "audio", mode: Job,
	paths: []string{"/v2/generate/audio", "/v2/generate/audio/*"}},
	media: "audio", ownPrompt: true,
	polls: []string{"/v2/generate/audio"}}

// STT is speech to text: `/v1/stt/create` answers with a generation id polled at
// `/v1/stt/{generation_id}`; `/v1/stt` answers with the transcript at once.
var STT Kind = &jobKind{base: base{name: "stt", label: "Speech to text", group: "audio", mode: Job,
	paths: []string{"/v1/stt/create", "/v1/stt"}},
	polls: []string{"/v1/stt/*"}}

// jobKind is a kind whose call answers with a job to poll (see [Poller]).
type jobKind struct {
	base
	media     string   // the kind of file the finished job holds: "video", "audio" or ""
	ownPrompt bool     // the run area's prompt box fills `prompt`
	polls     []string // the GET paths that poll a job (patterns, see match)
}

// Prepare gives the model to the picker and, for video and music, the prompt to the run area;
// speech to text's audio `url` is the run area's too.
func (k *jobKind) Prepare(op *schema.Operation) {
	ownModel(op)
	if k.ownPrompt {
		op.Own("prompt", "")
	} else {
		op.Own("url", "")
	}
}

func (k *jobKind) Runs() bool { return true }

// Events says a job's answers (a creation's, a poll's) only report usage: jobs never stream.
func (k *jobKind) Events() Events { return UsageEvents }

// Poller is implemented by the kinds whose calls answer with a job to poll: video, music and
// speech to text.
type Poller interface {
	Kind
	// PollPath returns the GET path (with its query) that polls job id, made by a POST to
	// path; "" when path makes no job or id is not a valid one (see [ValidJobID]).
	PollPath(path, id string) string
	// IsPoll reports whether a GET of path (without its query) is one of the kind's polls.
	IsPoll(path string) bool
	// Job reads a creation's or a poll's JSON answer.
	Job(body []byte) JobState
}

// PollPath returns the poll of job id: the vendor's own path for `/v2/generate/video/{vendor}/…`,
// `/v2/video/generations?generation_id=` for the other video operations,
// `/v2/generate/audio?generation_id=` for music, `/v1/stt/{id}` for speech to text.
func (k *jobKind) PollPath(path, id string) string {
	if !ValidJobID(id) {
		return ""
	}
	q := "?generation_id=" + url.QueryEscape(id)
	switch {
	case k == STT && path == "/v1/stt/create":
		return "/v1/stt/" + id
	case k == STT:
		return ""
	case k == Music && path != "/v2/generate/audio":
		return "" // MiniMax answers at once
	case strings.HasPrefix(path, "/v2/generate/video/"):
		return path + q
	case k == Video:
		return "/v2/video/generations" + q
	}
	return path + q
}

// IsPoll reports whether a GET of path polls one of the kind's jobs.
func (k *jobKind) IsPoll(path string) bool {
	for _, p := range k.polls {
		if match(p, path) {
			return true
		}
	}
	return false
}

// PollKind returns the kind whose job a GET of path (without its query) polls, or nil.
func PollKind(path string) Poller {
	for _, k := range registry {
		if p, ok := k.(Poller); ok && p.IsPoll(path) {
			return p
		}
	}
	return nil
}

// The statuses of a job, as [JobState.Status] normalises them.
const (
	StatusQueued     = "queued"
	StatusGenerating = "generating"
	StatusCompleted  = "completed"
	StatusFailed     = "error"
)

// JobState is what one answer of a job kind says: the creation's (an id, often "queued") or a poll's.
type JobState struct {
	// ID is the generation id to poll; "" when the answer has none (a synchronous answer).
	ID string
	// Status is one of the Status constants, or "" when the answer gives none that is known.
	Status string
	// RawStatus is the status as the provider wrote it (a word, or MiniMax's number).
	RawStatus string
	// Media are the http(s) URLs of the finished job's files (video.url, audio_file.url,
	// MiniMax's data.audio), in the answer's order; anything else there is left out.
	Media []string
	// Audio is MiniMax's audio when it came as hex, decoded; nil otherwise.
	Audio []byte
	// ErrName and ErrMessage are the answer's error.name and error.message.
	ErrName, ErrMessage string
	// Result is a speech-to-text answer's transcript document (`result`, or the synchronous
	// answer itself); nil when there is none.
	Result json.RawMessage
	// Usage is what the answer reports (meta.usage).
	Usage Usage
	// Proxied maps media URLs to the playground server's same-origin paths for them (see
	// [MediaMember]).
	Proxied map[string]string
}

// Done reports whether the job has ended, well or not: nothing more will come from polling.
func (j JobState) Done() bool { return j.Status == StatusCompleted || j.Status == StatusFailed }

// Job reads a creation's or a poll's answer (see [ReadJob]).
func (k *jobKind) Job(body []byte) JobState { return ReadJob(body) }

// statusWords maps the status words providers use to the normalised ones.
var statusWords = map[string]string{
	"queued": StatusQueued, "pending": StatusQueued, "waiting": StatusQueued, "submitted": StatusQueued, "created": StatusQueued,
	"generating": StatusGenerating, "processing": StatusGenerating, "in_progress": StatusGenerating, "running": StatusGenerating, "active": StatusGenerating,
	"completed": StatusCompleted, "succeeded": StatusCompleted, "success": StatusCompleted, "done": StatusCompleted, "finished": StatusCompleted,
	"error": StatusFailed, "failed": StatusFailed, "failure": StatusFailed, "cancelled": StatusFailed, "canceled": StatusFailed, "expired": StatusFailed,
}

// ReadJob reads a job answer of any of the kinds' shapes: AI/ML API's video and music
// (`id`, `status`, `video.url` or `audio_file.url`, `error.name`/`error.message`,
// `meta.usage`), speech to text (`generation_id`, `status`, `result`; or the synchronous
// transcript, `metadata` and `results`), and MiniMax's numeric status (`data.status` 1 in
// progress, 2 done; `data.audio` a URL or hex; `base_resp.status_code` non-zero an error).
// An answer it cannot read gives the zero JobState.
func ReadJob(body []byte) JobState {
	type file struct {
		URL string `json:"url"`
	}
	var doc struct {
		ID           string          `json:"id"`
		GenerationID string          `json:"generation_id"`
		Status       json.RawMessage `json:"status"`
		Video        *file           `json:"video"`
		Videos       []file          `json:"videos"`
		AudioFile    *file           `json:"audio_file"`
		Audio        json.RawMessage `json:"audio"`
		Error        json.RawMessage `json:"error"`
		Result       json.RawMessage `json:"result"`
		Results      json.RawMessage `json:"results"`
		Metadata     json.RawMessage `json:"metadata"`
		Data         *struct {
			Status json.RawMessage `json:"status"`
			Audio  string          `json:"audio"`
		} `json:"data"`
		BaseResp *struct {
			Code int    `json:"status_code"`
			Msg  string `json:"status_msg"`
		} `json:"base_resp"`
		Media map[string]string `json:"playground_media"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return JobState{}
	}
	j := JobState{ID: doc.ID, Usage: ReadUsage(body)}
	if j.ID == "" {
		j.ID = doc.GenerationID
	}
	j.RawStatus, j.Status = readStatus(doc.Status)
	if doc.Video != nil && isHTTP(doc.Video.URL) {
		j.Media = append(j.Media, doc.Video.URL)
	}
	for _, v := range doc.Videos {
		if isHTTP(v.URL) {
			j.Media = append(j.Media, v.URL)
		}
	}
	if doc.AudioFile != nil && isHTTP(doc.AudioFile.URL) {
		j.Media = append(j.Media, doc.AudioFile.URL)
	}
	var audio string
	if json.Unmarshal(doc.Audio, &audio) == nil && isHTTP(audio) {
		j.Media = append(j.Media, audio)
	}
	j.ErrName, j.ErrMessage = readJobError(doc.Error)
	switch {
	case len(doc.Result) > 0 && string(doc.Result) != "null":
		j.Result = doc.Result
	case len(doc.Results) > 0 && string(doc.Results) != "null" || len(doc.Metadata) > 0 && string(doc.Metadata) != "null":
		j.Result = json.RawMessage(body) // the synchronous transcript is the answer itself
		if j.Status == "" {
			j.Status, j.RawStatus = StatusCompleted, ""
		}
	}
	if d := doc.Data; d != nil {
		raw, _ := readStatus(d.Status)
		j.RawStatus = raw
		switch raw {
		case "1":
			j.Status = StatusGenerating
		case "2":
			j.Status = StatusCompleted
		}
		switch a := strings.TrimSpace(d.Audio); {
		case isHTTP(a):
			j.Media = append(j.Media, a)
		case a != "":
			if b, err := hex.DecodeString(a); err == nil {
				j.Audio = b
			}
		}
	}
	if br := doc.BaseResp; br != nil && br.Code != 0 {
		j.Status, j.ErrName, j.ErrMessage = StatusFailed, "status_code "+strconv.Itoa(br.Code), br.Msg
	}
	for u, p := range doc.Media {
		if strings.HasPrefix(p, "/api/media/") {
			if j.Proxied == nil {
				j.Proxied = map[string]string{}
			}
			j.Proxied[u] = p
		}
	}
	if j.ErrMessage != "" || j.ErrName != "" {
		if j.Status == "" {
			j.Status = StatusFailed
		}
	}
	return j
}

// readStatus reads a status word or number: the raw text and the normalised status ("" when
// not known).
func readStatus(raw json.RawMessage) (string, string) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, statusWords[strings.ToLower(strings.TrimSpace(s))]
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), ""
	}
	return "", ""
}

// readJobError reads an error that is an object {name, message} (or {code, message}) or a
// string.
func readJobError(raw json.RawMessage) (name, message string) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return "", s
	}
	var e struct {
		Name    string          `json:"name"`
		Code    json.RawMessage `json:"code"`
		Message string          `json:"message"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return "", ""
	}
	if e.Name == "" && len(e.Code) > 0 {
		e.Name = strings.Trim(string(e.Code), `"`)
	}
	return e.Name, e.Message
}

// isHTTP reports whether s is an http(s) URL.
func isHTTP(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}

// JobID reads the generation id a poll of path (without its query) with query names: the
// `generation_id` query value, or the last path segment of a speech-to-text poll
// (`/v1/stt/{id}`). "" when it names none or not a valid one (see [ValidJobID]).
func JobID(path string, query url.Values) string {
	id := query.Get("generation_id")
	if rest, ok := strings.CutPrefix(path, "/v1/stt/"); ok {
		id = rest
	}
	if !ValidJobID(id) {
		return ""
	}
	return id
}

// ValidJobID reports whether id can be a generation id: 1 to 200 letters, digits and
// "-_.:" (UUIDs and the providers' ids are). Nothing else is bound or polled, so an id never
// needs escaping in a path.
func ValidJobID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, c := range id {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.', c == ':':
		default:
			return false
		}
	}
	return true
}

// MediaURLs returns the http(s) URLs of the files an answer of kind k points to, which the
// server relays (see [MediaMember]): images' data[].url and images[].url, a job's media (see
// [ReadJob]), and a text-to-speech answer's `audio`.
func MediaURLs(k Kind, body []byte) []string {
	if p, ok := k.(Poller); ok {
		return p.Job(body).Media
	}
	type file struct {
		URL string `json:"url"`
	}
	var doc struct {
		Data   []json.RawMessage `json:"data"`
		Images []json.RawMessage `json:"images"`
		Audio  json.RawMessage   `json:"audio"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var out []string
	for _, list := range [][]json.RawMessage{doc.Data, doc.Images} {
		for _, raw := range list {
			var f file
			if json.Unmarshal(raw, &f) == nil && isHTTP(f.URL) {
				out = append(out, f.URL)
			}
		}
	}
	var audio string
	if json.Unmarshal(doc.Audio, &audio) == nil && isHTTP(audio) {
		out = append(out, audio)
	}
	return out
}

// JobResult is a finished job's result as the page shows it and the history keeps it: its
// files by URL (never their bytes), a transcript, and what it used.
type JobResult struct {
	// Media are the result's files.
	Media []MediaFile `json:"media,omitempty"`
	// Audio is MiniMax's hex audio, decoded; it is not kept in the history.
	Audio []byte `json:"-"`
	// Transcript is a speech-to-text job's transcript.
	Transcript *Transcript `json:"transcript,omitempty"`
	// Usage is what the job used, as its last answer reports.
	Usage Usage `json:"usage"`
}

// MediaFile is one file of a job's result.
type MediaFile struct {
	// URL is where the provider serves it.
	URL string `json:"url"`
	// Proxied is the server's same-origin path for it, "" when the server did not relay it.
	Proxied string `json:"proxied,omitempty"`
}

// Outcome is what a finished job holds: its files, or its transcript. A completed job with
// neither is an error saying so.
func (j JobState) Outcome() (JobResult, error) {
	r := JobResult{Audio: j.Audio, Usage: j.Usage}
	for _, u := range j.Media {
		r.Media = append(r.Media, MediaFile{URL: u, Proxied: j.Proxied[u]})
	}
	if len(j.Result) > 0 {
		t, err := ReadTranscript(j.Result)
		if err != nil {
			return r, err
		}
		r.Transcript = &t
	}
	if len(r.Media) == 0 && r.Audio == nil && r.Transcript == nil {
		return r, fmt.Errorf("the job completed, but its answer holds no file and no transcript")
	}
	return r, nil
}

// KeptJobResult reads a result back from the history.
func KeptJobResult(kept []byte) (JobResult, error) {
	var r JobResult
	if err := json.Unmarshal(kept, &r); err != nil {
		return r, fmt.Errorf("reading the kept result: %w", err)
	}
	for i, m := range r.Media {
		if !isHTTP(m.URL) || m.Proxied != "" && !strings.HasPrefix(m.Proxied, "/api/media/") {
			r.Media[i].Proxied = ""
		}
	}
	return r, nil
}
