package kind

import (
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"playground/app/schema"
	"playground/app/upload"
)

// TTS is text to speech (`/v1/tts`): text in; the audio out, either as the answer's bytes
// (audio/wav, audio/mpeg…) or as JSON naming its URL (`{"audio": url}`).
var TTS Kind = &ttsKind{base{name: "tts", label: "Text to speech", group: "audio", mode: Sync,
	paths: []string{"/v1/tts"}}}

type ttsKind struct{ base }

// Prepare gives the model to the picker and the text (`text`, or `script` for the models that
// read a dialogue) to the run area.
func (k *ttsKind) Prepare(op *schema.Operation) {
	ownModel(op)
	if !op.Own("text", "") {
		op.Own("script", "")
	}
}

func (k *ttsKind) Runs() bool { return true }

// Speech is a text-to-speech answer as the page plays it.
type Speech struct {
	// Audio is the sound when the answer was the sound itself; nil for a URL answer.
	Audio []byte
	// ContentType is the sound's type, e.g. "audio/wav".
	ContentType string
	// URL is where the provider serves the sound, for a JSON answer; Proxied is the server's
	// same-origin path for it ("" when it did not relay it).
	URL, Proxied string
	// Usage is what a JSON answer reports.
	Usage Usage
}

// ReadSpeech reads a text-to-speech answer of contentType: audio bytes (their signature must be
// a sound's: WAV, MP3, Ogg, FLAC, AAC or WebM), or JSON with `audio` as a URL. Anything else is
// an error saying what came.
func ReadSpeech(contentType string, body []byte) (Speech, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	if mt == "application/json" || mt == "" && strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		var doc struct {
			Audio string            `json:"audio"`
			Media map[string]string `json:"playground_media"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			return Speech{}, fmt.Errorf("the answer is not a text-to-speech response: %w", err)
		}
		if !isHTTP(doc.Audio) {
			return Speech{}, fmt.Errorf("the answer holds no audio URL (audio: %.60q)", doc.Audio)
		}
		s := Speech{URL: doc.Audio, Usage: ReadUsage(body), ContentType: "audio/" + strings.TrimPrefix(AudioExtension("", doc.Audio), ".")}
		if p := doc.Media[doc.Audio]; strings.HasPrefix(p, "/api/media/") {
			s.Proxied = p
		}
		return s, nil
	}
	if len(body) == 0 {
		return Speech{}, fmt.Errorf("the provider answered with no audio")
	}
	sniffed := SniffAudio(body)
	if sniffed == "" {
		return Speech{}, fmt.Errorf("the provider answered %s that is not a sound the page knows (WAV, MP3, Ogg, FLAC, AAC, WebM)", describeType(mt))
	}
	if !strings.HasPrefix(mt, "audio/") && mt != "application/octet-stream" {
		return Speech{}, fmt.Errorf("the provider sent audio labelled %q; the page plays only what is sent as audio", mt)
	}
	return Speech{Audio: body, ContentType: sniffed}, nil
}

func describeType(mt string) string {
	if mt == "" {
		return "content without a type"
	}
	return "content of type " + mt
}

// SniffAudio is the type of a sound by its first bytes ("audio/wav", "audio/mpeg", "audio/ogg",
// "audio/flac", "audio/aac", "audio/webm"), or "" when they are not a sound's: upload.Sniff's
// reading, kept to the sounds a speech answer is played as.
func SniffAudio(b []byte) string {
	switch t := upload.Sniff(b); t {
	case "audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/aac":
		return t
	case "video/webm":
		return "audio/webm"
	}
	return ""
}

// AudioExtension is the file extension of a sound of type ct, else of the URL's name, else
// ".mp3".
func AudioExtension(ct, rawURL string) string {
	if ext := upload.Extension(ct); ext != "" {
		return ext
	}
	if i := strings.LastIndex(rawURL, "."); i >= 0 && !strings.ContainsAny(rawURL[i:], "/?#") && len(rawURL)-i <= 5 {
		return strings.ToLower(rawURL[i:])
	}
	return ".mp3"
}

// WAVSeconds is the length of a PCM WAV sound, from its header; 0 when b is not one or does not
// say.
func WAVSeconds(b []byte) float64 {
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0
	}
	le32 := func(p []byte) uint32 { return uint32(p[0]) | uint32(p[1])<<8 | uint32(p[2])<<16 | uint32(p[3])<<24 }
	byteRate := le32(b[28:32])
	if byteRate == 0 {
		return 0
	}
	return float64(len(b)-44) / float64(byteRate)
}
