package kind

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Transcript is what a speech-to-text answer says, in the form the page shows and keeps: the
// text of the first alternative of each channel, its confidence, and its words with timings.
type Transcript struct {
	// Text is the transcript; channels are separated by a blank line.
	Text string `json:"text"`
	// Confidence is the first channel's confidence (0–1), when given.
	Confidence float64 `json:"confidence,omitempty"`
	// Duration is the audio's length in seconds, when given.
	Duration float64 `json:"duration,omitempty"`
	// Words are the timed words of the first channel, when given (at most MaxWords).
	Words []Word `json:"words,omitempty"`
	// Cut reports that there were more than MaxWords words; the text is whole.
	Cut bool `json:"cut,omitempty"`
}

// Word is one timed word of a transcript.
type Word struct {
	// Word is the word as written (punctuated when the answer gives that form).
	Word string `json:"w"`
	// Start and End are its times in seconds.
	Start float64 `json:"s"`
	End   float64 `json:"e"`
	// Confidence is between 0 and 1, when given.
	Confidence float64 `json:"c,omitempty"`
}

// MaxWords is the most timed words a Transcript keeps (about three hours of speech).
const MaxWords = 20000

// ReadTranscript reads a speech-to-text result (a poll's `result`, or the synchronous answer):
// Deepgram's `results.channels[].alternatives[]` (a channels object is read as one channel) with
// `transcript`, `confidence` and `words[]`, and the simpler `text` of Whisper-style answers.
func ReadTranscript(result []byte) (Transcript, error) {
	type word struct {
		Word       string  `json:"word"`
		Punctuated string  `json:"punctuated_word"`
		Start      float64 `json:"start"`
		End        float64 `json:"end"`
		Confidence float64 `json:"confidence"`
	}
	type alternative struct {
		Transcript string  `json:"transcript"`
		Confidence float64 `json:"confidence"`
		Words      []word  `json:"words"`
	}
	type channel struct {
		Alternatives []alternative `json:"alternatives"`
	}
	var doc struct {
		Text     string `json:"text"`
		Metadata *struct {
			Duration float64 `json:"duration"`
		} `json:"metadata"`
		Results *struct {
			Channels json.RawMessage `json:"channels"`
		} `json:"results"`
	}
	if err := json.Unmarshal(result, &doc); err != nil {
		return Transcript{}, fmt.Errorf("reading the transcript: %w", err)
	}
	var t Transcript
	if doc.Metadata != nil && finite(doc.Metadata.Duration) {
		t.Duration = doc.Metadata.Duration
	}
	var channels []channel
	if doc.Results != nil && len(doc.Results.Channels) > 0 {
		if json.Unmarshal(doc.Results.Channels, &channels) != nil {
			var one channel
			if err := json.Unmarshal(doc.Results.Channels, &one); err != nil {
				return Transcript{}, fmt.Errorf("reading the transcript's channels: %w", err)
			}
			channels = []channel{one}
		}
	}
	var texts []string
	for i, ch := range channels {
		if len(ch.Alternatives) == 0 {
			continue
		}
		alt := ch.Alternatives[0]
		texts = append(texts, strings.TrimSpace(alt.Transcript))
		if i > 0 {
			continue
		}
		if finite(alt.Confidence) {
			t.Confidence = alt.Confidence
		}
		for _, w := range alt.Words {
			if len(t.Words) == MaxWords {
				t.Cut = true
				break
			}
			text := w.Punctuated
			if text == "" {
				text = w.Word
			}
			if !finite(w.Start) || !finite(w.End) || !finite(w.Confidence) {
				continue
			}
			t.Words = append(t.Words, Word{Word: text, Start: w.Start, End: w.End, Confidence: w.Confidence})
		}
	}
	t.Text = strings.Join(texts, "\n\n")
	if t.Text == "" {
		t.Text = strings.TrimSpace(doc.Text)
	}
	return t, nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// SRT writes the transcript as SubRip subtitles: cues of up to 12 words or 6 seconds from the
// timed words, or, without words, one cue of the whole text over the audio's duration.
func (t Transcript) SRT() string {
	var b strings.Builder
	cue := func(n int, start, end float64, text string) {
		fmt.Fprintf(&b, "%d\n%s --> %s\n%s\n\n", n, srtTime(start), srtTime(end), text)
	}
	if len(t.Words) == 0 {
		if t.Text != "" {
			end := t.Duration
			if end <= 0 {
				end = 1
			}
			cue(1, 0, end, t.Text)
		}
		return b.String()
	}
	n := 0
	for i := 0; i < len(t.Words); {
		j := i
		var words []string
		for j < len(t.Words) && j-i < 12 && t.Words[j].End-t.Words[i].Start <= 6 {
			words = append(words, t.Words[j].Word)
			j++
		}
		if j == i { // one word longer than a cue
			words, j = []string{t.Words[i].Word}, i+1
		}
		n++
		cue(n, t.Words[i].Start, t.Words[j-1].End, strings.Join(words, " "))
		i = j
	}
	return b.String()
}

// srtTime writes seconds as SubRip's HH:MM:SS,mmm.
func srtTime(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	ms := int64(math.Round(sec * 1000))
	return fmt.Sprintf("%02d:%02d:%02d,%03d", ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}
