package server

import (
	"net/http"
	"testing"
)

// FuzzMeter feeds a meter arbitrary stream bytes in two writes split anywhere: it never panics,
// keeps at most one bounded line, and counts the same whatever the split (the network chooses it).
func FuzzMeter(f *testing.F) {
	stream, _ := meterStream()
	f.Add([]byte(stream), 7)
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":\"hé\"}}],\"usage\":{\"total_tokens\":9}}\n\n"), 3)
	f.Add([]byte("data: {\"choices\":[{\"message\":{\"content\":\"x\"}}]}\r\ndata: [DONE]\n"), 0)
	f.Add([]byte(": ping\n\ndata:\ndata: {\n"), 100)
	f.Fuzz(func(t *testing.T, data []byte, split int) {
		count := func(parts ...[]byte) (int64, int64) {
			m := &meter{sw: newStreamWriter(discardWriter{h: http.Header{}}, 0)}
			m.Header().Set("Content-Type", "text/event-stream")
			m.WriteHeader(http.StatusOK)
			for _, p := range parts {
				if _, err := m.Write(p); err != nil {
					t.Fatalf("Write: %v", err)
				}
				if len(m.line) > maxMeterLine {
					t.Fatalf("the meter keeps a line of %d bytes, more than %d", len(m.line), maxMeterLine)
				}
			}
			return m.outRunes, m.tokens(len(data))
		}
		split = int(uint(split) % uint(len(data)+1))
		runes1, tokens1 := count(data)
		runes2, tokens2 := count(data[:split], data[split:])
		if runes1 != runes2 || tokens1 != tokens2 {
			t.Fatalf("split at %d: %d runes, %d tokens; in one write: %d runes, %d tokens", split, runes2, tokens2, runes1, tokens1)
		}
		if runes1 < 0 || tokens1 < 0 {
			t.Fatalf("negative counts: %d runes, %d tokens", runes1, tokens1)
		}
	})
}
