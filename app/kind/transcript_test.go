package kind

import (
	"strings"
	"testing"
)

func TestReadTranscript(t *testing.T) {
	deepgram := `{"metadata":{"duration":2.5},"results":{"channels":[{"alternatives":[{"transcript":"hello world","confidence":0.93,
		"words":[{"word":"hello","punctuated_word":"Hello","start":0.1,"end":0.5,"confidence":0.9},{"word":"world","start":0.6,"end":1.0,"confidence":0.95}]}]},
		{"alternatives":[{"transcript":"second channel"}]}]}}`
	tests := []struct {
		name, body string
		text       string
		words      int
		conf       float64
		err        bool
	}{
		{"deepgram", deepgram, "hello world\n\nsecond channel", 2, 0.93, false},
		{"channels as an object", `{"results":{"channels":{"alternatives":[{"transcript":"one"}]}}}`, "one", 0, 0, false},
		{"whisper text", `{"text":" plain "}`, "plain", 0, 0, false},
		{"empty", `{}`, "", 0, 0, false},
		{"bad channels", `{"results":{"channels":"x"}}`, "", 0, 0, true},
		{"not json", `x`, "", 0, 0, true},
	}
	for _, tt := range tests {
		got, err := ReadTranscript([]byte(tt.body))
		if (err != nil) != tt.err || got.Text != tt.text || len(got.Words) != tt.words || got.Confidence != tt.conf {
			t.Errorf("%s: %+v, %v", tt.name, got, err)
		}
	}
	tr, _ := ReadTranscript([]byte(deepgram))
	if tr.Words[0].Word != "Hello" || tr.Duration != 2.5 {
		t.Errorf("words %+v duration %v", tr.Words, tr.Duration)
	}
	want := "1\n00:00:00,100 --> 00:00:01,000\nHello world\n\n"
	if got := tr.SRT(); got != want {
		t.Errorf("SRT:\n%q\nwant\n%q", got, want)
	}
	if got := (Transcript{Text: "no words", Duration: 3725.5}).SRT(); got != "1\n00:00:00,000 --> 01:02:05,500\nno words\n\n" {
		t.Errorf("SRT without words: %q", got)
	}
	// Cues split at 12 words or 6 seconds.
	var long Transcript
	for i := range 30 {
		long.Words = append(long.Words, Word{Word: "w", Start: float64(i), End: float64(i) + 0.5})
	}
	if n := strings.Count(long.SRT(), " --> "); n != 5 {
		t.Errorf("30 words a second apart make %d cues, want 5 (6 s each)", n)
	}
}

func FuzzReadTranscript(f *testing.F) {
	f.Add([]byte(`{"results":{"channels":[{"alternatives":[{"transcript":"a","words":[{"word":"a","start":1e308,"end":-1}]}]}]}}`))
	f.Add([]byte(`{"text":"x","metadata":{"duration":-5}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tr, err := ReadTranscript(body)
		if err != nil {
			return
		}
		if len(tr.Words) > MaxWords {
			t.Fatal("too many words kept")
		}
		_ = tr.SRT()
	})
}
