package kind

import (
	"strings"
	"testing"
)

func TestReadSpeech(t *testing.T) {
	wav := append([]byte("RIFF\x00\x00\x00\x00WAVEfmt "), make([]byte, 40)...)
	tests := []struct {
		name, ct, body string
		want           Speech
		err            string
	}{
		{"wav", "audio/wav", string(wav), Speech{Audio: wav, ContentType: "audio/wav"}, ""},
		{"mp3 as octet-stream", "application/octet-stream", "ID3\x04rest", Speech{Audio: []byte("ID3\x04rest"), ContentType: "audio/mpeg"}, ""},
		{"json", "application/json; charset=utf-8", `{"audio":"https://cdn/a.wav","playground_media":{"https://cdn/a.wav":"/api/media/t"},"meta":{"usage":{"usd_spent":0.5}}}`,
			Speech{URL: "https://cdn/a.wav", Proxied: "/api/media/t", ContentType: "audio/wav", Usage: Usage{USD: 0.5}}, ""},
		{"json without audio", "application/json", `{"audio":"javascript:x"}`, Speech{}, "no audio URL"},
		{"audio labelled html", "text/html", string(wav), Speech{}, `labelled "text/html"`},
		{"html", "text/html", "<html>", Speech{}, "not a sound"},
		{"empty", "audio/wav", "", Speech{}, "no audio"},
	}
	for _, tt := range tests {
		got, err := ReadSpeech(tt.ct, []byte(tt.body))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want an error with %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || string(got.Audio) != string(tt.want.Audio) || got.ContentType != tt.want.ContentType || got.URL != tt.want.URL ||
			got.Proxied != tt.want.Proxied || got.Usage != tt.want.Usage {
			t.Errorf("%s: %+v, %v", tt.name, got, err)
		}
	}
	if AudioExtension("", "https://x/a.flac") != ".flac" || AudioExtension("audio/mpeg", "") != ".mp3" || AudioExtension("", "https://x/a") != ".mp3" {
		t.Error("AudioExtension")
	}
	w := make([]byte, 44+16000)
	copy(w, "RIFF")
	copy(w[8:], "WAVE")
	w[28], w[29] = 0x40, 0x1f // 8000 bytes a second
	if s := WAVSeconds(w); s != 2 {
		t.Errorf("WAVSeconds = %v", s)
	}
}

func FuzzReadSpeech(f *testing.F) {
	f.Add("audio/wav", []byte("RIFF\x00\x00\x00\x00WAVE"))
	f.Add("application/json", []byte(`{"audio":"https://a/b.mp3"}`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		s, err := ReadSpeech(ct, body)
		if err == nil && s.Audio == nil && !isHTTP(s.URL) {
			t.Fatalf("a speech with neither audio nor URL: %+v", s)
		}
		_ = WAVSeconds(body)
	})
}
