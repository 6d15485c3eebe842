// Package fakeupstream is a fake OpenAI-compatible API (with AI/ML API's extras) for tests.
//
// A [Server] is an http.Handler serving these routes:
//
//	POST /v1/chat/completions                 chat, streamed or not (below)
//	POST /v1/images/generations               images (see "Images")
//	POST /v1/images/generations/with-url      images
//	POST /v1/images/edits                     images
//	POST /v1/embeddings                       embeddings (see "Embeddings")
//	POST /v1/responses                        the Responses API, streamed or not (dialects.go)
//	POST /v1/messages                         Anthropic's Messages API, streamed or not (dialects.go)
//	POST /v2/video/generations, /v1/video/generations, /v2/generate/video/{vendor}/generation
//	                                          a video job (see "Jobs")
//	POST /v2/generate/audio                   a music job
//	POST /v1/stt/create                       a speech-to-text job
//	GET  /v2/video/generations?generation_id=, /v2/generate/video/{vendor}/generation?generation_id=,
//	     /v2/generate/audio?generation_id=, /v1/stt/{generation_id}
//	                                          the job's state (see "Jobs")
//	POST /v2/generate/audio/minimax/generate  MiniMax music, answered at once (numeric status)
//	POST /v1/stt                              speech to text answered at once (201)
//	POST /v1/tts                              text to speech (see "Text to speech")
//	POST /v1/ocr                              OCR (see "OCR")
//	POST /v1/… and /v2/… (any other path)     echo: {"echo": <request body>, "path": "<path>"}
//	GET  /v1/models                           the model list
//	GET  /files/{name}                        the file host the answers' URLs point to (see "Files")
//
// The echo route stands in for every other operation a catalogue may call (moderation, 3D,
// voices…): it answers 200 with the request body as JSON (a string when it is
// not JSON, null when empty) and the path, so tests can see what arrived.
//
// GET /v1/models serves the plain OpenAI list of [Server.Models] (ids only), or, after
// [Server.SetCatalogue], a catalogue in AI/ML API's format (aliases, type, info, tags; modalities,
// capabilities and pricing with ?include=all) with an ETag honoured by If-None-Match.
// [Server.SetModelsStatus] simulates an outage of the list.
//
// Any other path (a GET under /v1/ other than the list, a path outside /v1/, /v2/ and /files/)
// answers 404 with OpenAI's error JSON, and a known path with the wrong method answers 405. Every
// request is recorded (see [Server.Requests]). When [Server.Key] is set, every /v1/ and /v2/ route
// needs it; the file host needs no key, as a provider's CDN does not.
//
// The chat reply is chosen by a scenario: the text of the last user message
// when it starts with "fake:", otherwise the default. The scenarios are:
//
//   - default, and "fake:markdown": the fixed markdown answer [DefaultReply].
//   - "fake:echo": the reply text is the JSON of the received request body
//     without its "messages" member (keys sorted), to check what arrived.
//   - "fake:slow": waits [Server.SlowDelay] (2 s by default) before the
//     first byte, then answers like the default.
//   - "fake:error NNN": answers HTTP NNN (400–599, default 500) with an
//     OpenAI-style body {"error":{"message","type","code"}}; 403 uses
//     AI/ML API's envelope with "message", "path", "requestId",
//     "statusCode" and "timestamp", saying there are not enough credits;
//     429 also sets "Retry-After: 1".
//   - "fake:reset": sends the headers and a few chunks of the default answer
//     (or half a JSON body when not streaming), then kills the connection.
//   - "fake:garbage": streams one valid chunk, then the line
//     "data: {not json", then the rest of the default answer normally; when
//     not streaming, answers 200 with a truncated JSON body.
//   - "fake:hang": sends the headers, the role chunk and one content chunk
//     (just the headers when not streaming), then blocks until the
//     request's context is done.
//   - "fake:scripted NAME": streams the reply [Server.Scripted] holds under NAME.
//   - "fake:reasoning": streams [ReasoningText] as "reasoning_content"
//     deltas, then [ReasoningReply] as content; when not streaming, the
//     message carries both.
//   - "fake:tools": streams a call of the tool get_weather ([ToolCallDeltas]); once the last
//     message is a tool result, answers [ToolsReplyPrefix] followed by it. "fake:tools noid"
//     streams the call without its id, as some providers do.
//   - "fake:think": answers [ThinkContent]: inline <think>…</think>
//     reasoning, then [ThinkReply], then a stray "</s>" end-of-sequence
//     token, all as content (streamed in pieces that split the tags).
//
// An unknown "fake:" scenario answers 400. Whenever a handler notices that
// the request's context is done before it has finished (in "fake:hang",
// "fake:slow" or between chunks), it records the time, see
// [Server.Cancelled].
//
// Streams use real SSE framing ("data: {json}\n\n", ending with
// "data: [DONE]\n\n"), with a flush after every event and
// [Server.ChunkDelay] between chunks of a few characters. Chunks look like
// OpenAI's: a first chunk with the role, content chunks, a final chunk with
// finish_reason "stop", and, when "stream_options.include_usage" is true, a
// usage chunk with empty choices. Non-streaming answers are "chat.completion"
// objects whose usage includes "cost", plus AI/ML API's
// "meta.usage.credits_used".
//
// # Images
//
// The three images routes answer {"created", "data": [...], "meta": {"usage": {"credits_used",
// "usd_spent"}}} with "n" images (default 1, at most 10), each {"url"} (the default) or
// {"b64_json"} as "response_format" asks, with "revised_prompt" echoing the prompt. URLs are
// absolute, on the fake's own file host at the request's Host: http://HOST/files/img-N.png,
// N counting the images the fake has made. The scenario is the prompt's when it starts with
// "fake:":
//
//   - "fake:error NNN": the chat scenario's error answers.
//   - "fake:empty201": 201 with no body, as AI/ML API answers some generations.
//   - "fake:big": one b64_json image of [BigImageBase64] characters of base64 (of deterministic
//     random bytes, not a real picture, made once and kept), with a Content-Length.
//   - "fake:3d": one URL of a 3D mesh, http://HOST/files/model.glb.
//   - "fake:slow": waits [Server.SlowDelay], then answers like the default.
//
// # Embeddings
//
// POST /v1/embeddings answers {"object": "list", "data": [{"object": "embedding", "index",
// "embedding"}], "model", "usage": {"prompt_tokens", "total_tokens"}}: one vector per input
// ("input" is a string or a list of them), of "dimensions" values (default 8), derived from a hash
// of the text (see [Embedding]) and of unit length; with "encoding_format": "base64" each vector
// is the base64 of its little-endian float32 values. Both token counts are the inputs' characters
// divided by 4, rounded up. An input "fake:error NNN" answers that error, "fake:slow" waits
// [Server.SlowDelay] first.
//
// # Jobs
//
// Video, music and speech-to-text jobs run on the fake's [Server.Clock] (time.Now when nil; a
// [FakeClock] lets a test move them along): a job is "queued" for [Server.QueueFor] (default
// [DefaultQueueFor], 4 s) from its creation, then "generating" for [Server.GenerateFor] (default
// [DefaultGenerateFor], 8 s), then "completed". Jobs are kept in memory by id
// ("fake-job-N-<hex>", unique within a Server); [Server.Jobs] reports them with the polls each
// got.
//
// A creation (200) answers {"id", "status": "queued"} for video and music, and
// {"generation_id"} for speech to text. A poll answers 200 with:
//
//   - video: {"id", "status", "video", "error", "meta"}: "video" is {"url":
//     "http://HOST/files/video-N.webm"} and "meta" {"usage": {"credits_used", "usd_spent"}} once
//     completed, both null before.
//   - music: the same with "audio_file": {"url": "http://HOST/files/music-N.wav"} for "video".
//   - speech to text: {"generation_id", "status", "result", "error"}: once completed, "result" is
//     Deepgram's shape of a transcript of [Transcript], {"metadata": {"transaction_key",
//     "request_id", "sha256", "created", "duration", "channels": 1, "models", "model_info"},
//     "results": {"channels": [{"alternatives": [{"transcript", "confidence", "words":
//     [{"word", "start", "end", "confidence", "punctuated_word"}…], "paragraphs"}]}]}}, with the
//     timings of [TranscriptWords]; null before. "channels" is an array, as Deepgram answers
//     (AI/ML API's schema says an object).
//
// N is the job's number, HOST the request's Host. A poll of an unknown id, or of an id of another
// family (a video id on the music route), answers 404 with AI/ML API's error envelope
// {"message", "path", "statusCode", "timestamp"}. The scenario is picked at creation by the
// "prompt" (video, music) or the "url" (speech to text):
//
//   - "fake:job-error": after queued, "error" with "error": {"name": "GenerationError",
//     "message"} and no file.
//   - "fake:job-5xx": the first poll answers 502 with a gateway error; later ones normally.
//   - "fake:job-reset": the first poll's connection is closed without an answer (hijacked);
//     later ones answer normally.
//   - "fake:job-never": stays "generating" after queued, forever.
//   - "fake:job-nourl": "completed" with "video" / "audio_file" / "result" null.
//   - "fake:error NNN": the creation answers the chat scenario's error NNN; no job is made.
//
// Two operations answer at once, without a job: POST /v2/generate/audio/minimax/generate answers
// MiniMax's numeric status, {"data": {"status": 2, "audio": "http://HOST/files/music-mN.wav"},
// "extra_info": {"music_duration", …}, "analysis_info": null, "trace_id", "base_resp":
// {"status_code": 0, "status_msg": "success"}}, and POST /v1/stt answers 201 with the transcript
// result itself ({"metadata", "results"}).
//
// # Text to speech
//
// POST /v1/tts ({"model", "text", "voice", …}) answers a WAV tone (see [WAV]) half a second plus
// a second per 20 characters of "text" long (at most 10 s), as audio/wav written in
// [TTSChunkBytes] chunks [Server.ChunkDelay] apart with a flush after each and no
// Content-Length, as a provider streams audio ([Server.HoldTTS] holds it after the first chunk).
// The "text" picks a scenario:
//
//   - "fake:json": the JSON answer of qwen3-tts-flash and others, {"audio":
//     "http://HOST/files/speech-N.wav", "meta": {"usage": {"credits_used", "usd_spent"}}}.
//   - "fake:wrongtype": the audio, sent as text/html.
//   - "fake:mp3": [ToneMP3] as audio/mpeg, in chunks as the WAV is.
//   - "fake:reset": a third of the audio, then the connection is cut.
//   - "fake:error NNN": the chat scenario's error NNN.
//
// # OCR
//
// POST /v1/ocr reads any document ("document": {"type": "document_url", "document_url"} or
// {"type": "image_url", "image_url"}; from a multipart form, a "document" or "file" part) as
// [OCRPages] pages in Mistral's shape, {"pages": [...], "model", "document_annotation": null,
// "usage_info": {"pages_processed", "doc_size_bytes"}, "meta": {"usage"}}. Each page is {"index",
// "markdown": [OCRMarkdown] (a heading, a paragraph, a table and its image's reference
// ![img-I.jpeg](img-I.jpeg)), "images": [{"id": "img-I.jpeg", "top_left_x", "top_left_y",
// "bottom_right_x", "bottom_right_y", "image_base64"}], "dimensions": {"dpi", "height", "width"}}:
// one image in a box of a 850×1100 page, its "image_base64" the data URL of the PNG
// /files/ocr-I.png serves when "include_image_base64" is true, else null. "pages" keeps only the
// pages it names: a list of indexes ([0, 2]), one index, or a string ("2", "0-1", "0,2");
// indexes past the document are ignored. A document URL holding "fake:xss" gives page 0
// [OCRHostile] (a script, an onerror image and javascript: links); one starting
// "fake:error NNN" answers that error.
//
// # Multipart forms
//
// A POST whose Content-Type is multipart/form-data (OpenAI's images edits, a speech file to
// /v1/stt/create or /v1/stt, and any other route) is read part by part, within the same 16 MiB as
// any body, and recorded in [Request.Parts] (name, file name, type, size and the first
// [PartDataMax] bytes) besides the raw [Request.Body]. The handlers then read the form as the
// JSON object of its fields: a plain field by its name, as a string (or, unless it is text such
// as "model", "prompt", "text" or "url", as the JSON it holds when that is an object, an array,
// a number, true, false or null); a file as the data URL of its bytes; a repeated name as an
// array. So the same routes and scenarios answer forms and JSON alike. A malformed form answers
// 400.
//
// # Files
//
// GET (or HEAD) /files/NAME.png serves a 64×64 PNG whose colours derive from NAME ([FilePNG]), as
// image/png (img-N.png of the images, ocr-I.png of OCR, ocr-page.png…); /files/model.glb serves
// [GLB] as model/gltf-binary. The jobs' files are served with http.ServeContent, so range
// requests answer 206 with Accept-Ranges:
//
//   - /files/video-N.webm (any N): [ClipWebM], a real two-second 64×64 VP8 video, as video/webm.
//   - /files/music-N.wav and /files/speech-N.wav: a one-second [WAV] tone, as audio/wav.
//
// The hostile variants, for tests of a media proxy, are:
//
//   - /files/redirect: 302 to [RedirectTarget].
//
//   - /files/html.png: [HTMLBody], an HTML page, sent as image/png.
//
//   - /files/huge.png: [HugeFileBytes] bytes of image/png (a PNG signature, then zeros), streamed
//     without a Content-Length.
//
//   - /files/slow.png: the bytes of a PNG one at a time, [Server.SlowDelay] apart, then nothing,
//     until the request's context ends (recorded, see [Server.Cancelled]).
//
// Other names answer 404.
package fakeupstream

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultReply is the markdown answer of the default and "fake:markdown"
// scenarios.
const DefaultReply = "## Fake answer\n\n" +
	"This reply comes from the **fake upstream**.\n\n" +
	"- first point\n" +
	"- second point\n\n" +
	"| Name | Value |\n" +
	"| ---- | ----- |\n" +
	"| a    | 1     |\n\n" +
	"```go\n" +
	"fmt.Println(\"hello\")\n" +
	"```\n"

// ReasoningText is the reasoning streamed by the "fake:reasoning" scenario.
const ReasoningText = "The user wants a short answer. Let me think step by step."

// ReasoningReply is the answer that follows [ReasoningText] in the
// "fake:reasoning" scenario.
const ReasoningReply = "The answer is **42**."

// ThinkReasoning is the reasoning inside the <think> block of "fake:think".
const ThinkReasoning = "Inline reasoning: two plus two is four."

// ThinkReply is the answer after the <think> block of "fake:think".
const ThinkReply = "Two plus two is **4**."

// ThinkContent is the whole content of "fake:think", as a model that writes its reasoning inline
// sends it.
const ThinkContent = "<think>\n" + ThinkReasoning + "\n</think>\n\n" + ThinkReply + "</s>"

// Defaults used by [New].
const (
	// DefaultChunkDelay is the default pause between streamed chunks.
	DefaultChunkDelay = 20 * time.Millisecond
	// DefaultSlowDelay is the default wait of the "fake:slow" scenario.
	DefaultSlowDelay = 2 * time.Second
)

// maxBody is the largest request body accepted, in bytes: room for an OCR call with a 50 MB PDF
// as base64 in its JSON body.
const maxBody = 80 << 20

// Request is a recorded request.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path.
	Path string
	// Header is a copy of the request headers.
	Header http.Header
	// Body is a copy of the request body as it arrived (for a multipart form, its raw bytes).
	Body []byte
	// Parts are the parts of a multipart/form-data POST, in order; nil for any other body.
	Parts []Part
	// Received is when the request arrived.
	Received time.Time
}

// Server is a fake OpenAI-compatible upstream. Create one with [New]; set its
// exported fields before serving requests. Its methods are safe for
// concurrent use.
type Server struct {
	// Key, when non-empty, is the API key every request must send as
	// "Authorization: Bearer <Key>"; others get 401.
	Key string
	// Models is the list served by GET /v1/models.
	Models []string
	// ChunkDelay is the pause between streamed chunks; zero or negative
	// means none.
	ChunkDelay time.Duration
	// PieceRunes is the length of a streamed content piece, in runes; zero means 5.
	PieceRunes int
	// SlowDelay is how long "fake:slow" waits before the first byte.
	SlowDelay time.Duration
	// Scripted holds replies by name for "fake:scripted NAME", e.g. hostile markdown for the
	// browser's XSS tests. Set it before serving.
	Scripted map[string]string
	// Clock is the jobs' clock (see "Jobs"); nil means time.Now. A [FakeClock]'s Now lets a
	// test move jobs along.
	Clock func() time.Time
	// QueueFor and GenerateFor are how long a job is "queued", then "generating"; zero means
	// DefaultQueueFor and DefaultGenerateFor.
	QueueFor, GenerateFor time.Duration

	jobs jobs

	seq    atomic.Int64
	images atomic.Int64 // images made, numbering their file names

	mu           sync.Mutex
	requests     []Request
	cancelled    []time.Time
	billed       []float64 // the cost of each chat answer whose usage was sent, in US dollars
	cancelC      chan time.Time
	catalogue    []LiveModel
	modelsStatus int
	ttsHold      chan struct{} // see HoldTTS
}

// New returns a Server with ChunkDelay [DefaultChunkDelay], SlowDelay
// [DefaultSlowDelay], no key, and the models "openai/gpt-4o-mini",
// "gryphe/mythomax-l2-13b" and "alibaba/qwen3-32b".
func New() *Server {
	return &Server{
		Models:     []string{"openai/gpt-4o-mini", "gryphe/mythomax-l2-13b", "alibaba/qwen3-32b"},
		ChunkDelay: DefaultChunkDelay,
		SlowDelay:  DefaultSlowDelay,
		cancelC:    make(chan time.Time, 64),
	}
}

// Requests returns copies of all requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Body = bytes.Clone(r.Body)
		if r.Parts != nil {
			r.Parts = append([]Part(nil), r.Parts...)
			for j := range r.Parts {
				r.Parts[j].Data = bytes.Clone(r.Parts[j].Data)
			}
		}
		out[i] = r
	}
	return out
}

// Cancelled returns the times at which handlers noticed that a request's
// context was done before they had finished, oldest first.
func (s *Server) Cancelled() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.cancelled...)
}

// Billed returns the cost (US dollars) of each chat completion whose usage the server sent — a
// whole answer, or a stream's usage chunk — in the order they were sent: what the provider billed.
func (s *Server) Billed() []float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]float64(nil), s.billed...)
}

// noteBilled records a chat answer's cost as billed.
func (s *Server) noteBilled(usd float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.billed = append(s.billed, usd)
}

// CancelledC returns a channel that receives each time also recorded by
// [Server.Cancelled], so tests can wait instead of polling. It is buffered;
// times that do not fit are dropped from the channel (but not from
// Cancelled).
func (s *Server) CancelledC() <-chan time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancelC == nil {
		s.cancelC = make(chan time.Time, 64)
	}
	return s.cancelC
}

func (s *Server) noteCancelled() {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cancelled = append(s.cancelled, now)
	if s.cancelC == nil {
		s.cancelC = make(chan time.Time, 64)
	}
	select {
	case s.cancelC <- now:
	default:
	}
}

// ServeHTTP records the request and serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	raw, body, parts, status, err := readBody(w, r)
	s.mu.Lock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: raw, Parts: parts, Received: received,
	})
	s.mu.Unlock()
	if err != nil {
		msg := "The request body is too large or could not be read."
		if status == http.StatusBadRequest {
			msg = "We could not parse the multipart form of your request: " + err.Error()
		}
		writeError(w, status, msg, "invalid_request_error", "")
		return
	}

	path := r.URL.Path
	var want string
	switch {
	case path == "/v1/models":
		want = http.MethodGet
	case strings.HasPrefix(path, filesPrefix):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed for %s; use GET.", r.Method, path), "invalid_request_error", "")
			return
		}
		s.serveFile(w, r)
		return
	case r.Method == http.MethodGet && jobFamily(http.MethodGet, path) != "":
		want = http.MethodGet
	case knownPosts[path] != nil:
		want = http.MethodPost
	case r.Method == http.MethodPost && (strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/v2/")):
		want = http.MethodPost
	default:
		writeError(w, http.StatusNotFound, fmt.Sprintf("Invalid URL (%s %s)", r.Method, path), "invalid_request_error", "")
		return
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed for %s; use %s.", r.Method, path, want), "invalid_request_error", "")
		return
	}
	if s.Key != "" {
		switch auth := r.Header.Get("Authorization"); {
		case auth == "":
			writeError(w, http.StatusUnauthorized, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", "invalid_request_error", "")
			return
		case auth != "Bearer "+s.Key:
			writeError(w, http.StatusUnauthorized, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
			return
		}
	}
	switch {
	case path == "/v1/models":
		s.serveModels(w, r)
	case r.Method == http.MethodGet:
		s.servePoll(w, r, jobFamily(http.MethodGet, path))
	case jobFamily(http.MethodPost, path) != "":
		s.serveJobCreate(w, r, jobFamily(http.MethodPost, path), body)
	case knownPosts[path] != nil:
		knownPosts[path](s, w, r, body)
	default:
		serveEcho(w, r, body)
	}
}

// knownPosts are the POST routes answered with real response shapes; any other POST under /v1/
// or /v2/ is echoed.
var knownPosts = map[string]func(s *Server, w http.ResponseWriter, r *http.Request, body []byte){
	"/v1/chat/completions":                (*Server).serveChat,
	"/v1/images/generations":              (*Server).serveImages,
	"/v1/images/generations/with-url":     (*Server).serveImages,
	"/v1/images/edits":                    (*Server).serveImages,
	"/v1/embeddings":                      (*Server).serveEmbeddings,
	"/v1/responses":                       (*Server).serveResponses,
	"/v1/messages":                        (*Server).serveMessages,
	"/v2/generate/audio/minimax/generate": (*Server).serveMiniMaxMusic,
	"/v1/stt":                             (*Server).serveSyncSTT,
	"/v1/ocr":                             (*Server).serveOCR,
	"/v1/tts":                             (*Server).serveTTS,
}

// serveEcho answers any other POST under /v1/ or /v2/: {"echo": <the body as JSON>, "path": path}.
// A body that is not JSON is echoed as a string, an empty one as null.
func serveEcho(w http.ResponseWriter, r *http.Request, body []byte) {
	var echo any
	switch {
	case len(bytes.TrimSpace(body)) == 0:
	case json.Valid(body):
		echo = json.RawMessage(body)
	default:
		echo = string(body)
	}
	writeJSON(w, http.StatusOK, map[string]any{"echo": echo, "path": r.URL.Path})
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "fakeupstream: encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// readRequest decodes a JSON request body into req and checks that it names a model (model reads
// it), answering the errors OpenAI answers when not; it reports whether to go on.
func readRequest(w http.ResponseWriter, body []byte, req any, model func() string) bool {
	if err := json.Unmarshal(body, req); err != nil {
		writeError(w, http.StatusBadRequest, "We could not parse the JSON body of your request: "+err.Error(), "invalid_request_error", "")
		return false
	}
	if model() == "" {
		writeError(w, http.StatusBadRequest, "You must provide a model parameter.", "invalid_request_error", "")
		return false
	}
	return true
}

// writeError writes an OpenAI-style error body. An empty code is sent as
// null.
func writeError(w http.ResponseWriter, status int, msg, typ, code string) {
	type body struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Param   *string `json:"param"`
		Code    *string `json:"code"`
	}
	b := body{Message: msg, Type: typ}
	if code != "" {
		b.Code = &code
	}
	writeJSON(w, status, map[string]body{"error": b})
}

// answerScenarioError answers the "fake:error NNN" scenario whose argument is arg (the status,
// 500 when empty), or 400 when arg is not a status between 400 and 599.
func (s *Server) answerScenarioError(w http.ResponseWriter, r *http.Request, arg, model string) {
	status := http.StatusInternalServerError
	if arg != "" {
		n, err := strconv.Atoi(arg)
		if err != nil || n < 400 || n > 599 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("fake:error needs a status between 400 and 599, not %q.", arg), "invalid_request_error", "")
			return
		}
		status = n
	}
	s.writeScenarioError(w, r, status, model)
}

// writeScenarioError answers the "fake:error NNN" scenario.
func (s *Server) writeScenarioError(w http.ResponseWriter, r *http.Request, status int, model string) {
	switch status {
	case http.StatusForbidden:
		writeJSON(w, status, map[string]any{
			"message":    "You don't have enough credits to use this model. Please top up your balance.",
			"path":       r.URL.Path,
			"requestId":  fmt.Sprintf("fake-req-%d", s.seq.Add(1)),
			"statusCode": status,
			"timestamp":  time.Now().UTC().Format(time.RFC3339Nano),
		})
	case http.StatusBadRequest:
		writeError(w, status, "Invalid request (fake error 400).", "invalid_request_error", "invalid_value")
	case http.StatusUnauthorized:
		writeError(w, status, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key")
	case http.StatusNotFound:
		writeError(w, status, fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model), "invalid_request_error", "model_not_found")
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
		writeError(w, status, "Rate limit reached for requests. Please try again in 1s.", "requests", "rate_limit_exceeded")
	case http.StatusInternalServerError:
		writeError(w, status, "The server had an error while processing your request. Sorry about that!", "server_error", "")
	default:
		writeError(w, status, fmt.Sprintf("%s (fake error %d).", http.StatusText(status), status), "server_error", "")
	}
}
