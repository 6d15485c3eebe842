package kind

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
)

// testWAV is a WAV header of the format given, chunks before the data chunk, then data.
func testWAV(format, ch, rate, bits int, dataSize uint32, before []byte, data []byte) []byte {
	fmtBody := binary.LittleEndian.AppendUint16(nil, uint16(format))
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, uint16(ch))
	fmtBody = binary.LittleEndian.AppendUint32(fmtBody, uint32(rate))
	fmtBody = binary.LittleEndian.AppendUint32(fmtBody, uint32(rate*ch*bits/8))
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, uint16(ch*bits/8))
	fmtBody = binary.LittleEndian.AppendUint16(fmtBody, uint16(bits))
	if format == 0xFFFE {
		fmtBody = append(fmtBody, 22, 0, byte(bits), 0, 0, 0, 0, 0, 1, 0) // cbSize, valid bits, mask, sub-format PCM…
		fmtBody = append(fmtBody, make([]byte, 14)...)
	}
	b := []byte("RIFF\x00\x00\x00\x00WAVEfmt ")
	b = binary.LittleEndian.AppendUint32(b, uint32(len(fmtBody)))
	b = append(append(b, fmtBody...), before...)
	b = binary.LittleEndian.AppendUint32(append(b, "data"...), dataSize)
	return append(b, data...)
}

// feedWAV writes b to a WAVStream in pieces of the sizes given (cycled; the rest in one), and
// returns the samples per channel and the first error.
func feedWAV(b []byte, sizes ...int) (*WAVStream, [][]float32, error) {
	var w WAVStream
	var all [][]float32
	for i := 0; len(b) > 0; i++ {
		n := len(b)
		if len(sizes) > 0 {
			n = min(max(sizes[i%len(sizes)], 1), len(b))
		}
		frames, err := w.Write(b[:n])
		b = b[n:]
		if err != nil {
			return &w, all, err
		}
		if frames != nil && all == nil {
			all = make([][]float32, len(frames))
		}
		for c := range frames {
			all[c] = append(all[c], frames[c]...)
		}
	}
	return &w, all, nil
}

func TestWAVStream(t *testing.T) {
	le16 := func(v ...int16) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint16(b, uint16(x))
		}
		return b
	}
	f32 := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, math.Float32bits(0.25)), math.Float32bits(-1))
	f64 := binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.5))
	list := append([]byte("LIST\x03\x00\x00\x00abc\x00"), []byte("fact\x04\x00\x00\x00\x01\x02\x03\x04")...) // odd size: padded
	tests := []struct {
		name     string
		wav      []byte
		rate, ch int
		want     [][]float32
		err      string
	}{
		{"16-bit mono", testWAV(1, 1, 8000, 16, 6, nil, le16(0, 16384, -32768)), 8000, 1, [][]float32{{0, 0.5, -1}}, ""},
		{"16-bit stereo, odd byte left over", testWAV(1, 2, 44100, 16, 0xFFFFFFFF, nil, append(le16(16384, -16384, 8192, 0), 7)), 44100, 2,
			[][]float32{{0.5, 0.25}, {-0.5, 0}}, ""},
		{"chunks before the data skipped", testWAV(1, 1, 24000, 16, 0, list, le16(-16384)), 24000, 1, [][]float32{{-0.5}}, ""},
		{"known size: the rest ignored", testWAV(1, 1, 8000, 16, 2, nil, append(le16(8192), "LIST\x04\x00\x00\x00abcd"...)), 8000, 1, [][]float32{{0.25}}, ""},
		{"8-bit", testWAV(1, 1, 8000, 8, 0, nil, []byte{128, 192, 0}), 8000, 1, [][]float32{{0, 0.5, -1}}, ""},
		{"24-bit", testWAV(1, 1, 48000, 24, 0, nil, []byte{0, 0, 0x40, 0, 0, 0xC0}), 48000, 1, [][]float32{{0.5, -0.5}}, ""},
		{"32-bit", testWAV(1, 1, 48000, 32, 0, nil, []byte{0, 0, 0, 0x20}), 48000, 1, [][]float32{{0.25}}, ""},
		{"float", testWAV(3, 2, 22050, 32, 0, nil, f32), 22050, 2, [][]float32{{0.25}, {-1}}, ""},
		{"double", testWAV(3, 1, 22050, 64, 0, nil, f64), 22050, 1, [][]float32{{0.5}}, ""},
		{"extensible PCM", testWAV(0xFFFE, 1, 16000, 16, 0, nil, le16(16384)), 16000, 1, [][]float32{{0.5}}, ""},
		{"ADPCM", testWAV(2, 1, 8000, 4, 0, nil, []byte{1, 2}), 0, 0, nil, "WAV format 2"},
		{"12-bit PCM", testWAV(1, 1, 8000, 12, 0, nil, nil), 0, 0, nil, "12-bit"},
		{"no channels", testWAV(1, 0, 8000, 16, 0, nil, nil), 0, 0, nil, "0 channels"},
		{"an MP3", []byte("ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 0, 0, nil, "not a WAV"},
		{"data before the format", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x02"), 0, 0, nil, "before their format"},
		{"a huge format chunk", []byte("RIFF\x00\x00\x00\x00WAVEfmt \x00\x10\x00\x00"), 0, 0, nil, "format chunk of 4096"},
		{"a huge chunk before the data", []byte("RIFF\x00\x00\x00\x00WAVEJUNK\x00\x00\x00\x10"), 0, 0, nil, "first 1024 KiB"},
		{"only a header", testWAV(1, 1, 8000, 16, 0, nil, nil), 8000, 1, nil, ""},
		{"cut in the header", testWAV(1, 1, 8000, 16, 0, nil, nil)[:30], 0, 0, nil, ""},
	}
	for _, tt := range tests {
		for _, sizes := range [][]int{nil, {1}, {3}, {7, 2}, {13}, {44, 1}} {
			w, got, err := feedWAV(tt.wav, sizes...)
			if tt.err != "" {
				if !errors.Is(err, ErrCannotStream) || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("%s in pieces %v: %v, want ErrCannotStream with %q", tt.name, sizes, err, tt.err)
				}
				continue
			}
			if err != nil || w.Rate != tt.rate || w.Channels != tt.ch || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s in pieces %v: %d Hz × %d, %v, %v; want %d × %d, %v", tt.name, sizes, w.Rate, w.Channels, got, err, tt.rate, tt.ch, tt.want)
			}
		}
	}
	var w WAVStream
	if _, err := w.Write([]byte("OggS\x00\x00\x00\x00\x00\x00\x00\x00")); !errors.Is(err, ErrCannotStream) {
		t.Fatalf("Ogg: %v", err)
	}
	if _, err := w.Write(testWAV(1, 1, 8000, 16, 0, nil, le16(1))); !errors.Is(err, ErrCannotStream) {
		t.Errorf("after the error: %v, want it again", err)
	}
}

func FuzzWAVStream(f *testing.F) {
	f.Add(testWAV(1, 2, 8000, 16, 0, []byte("LIST\x01\x00\x00\x00x\x00"), []byte{1, 2, 3, 4, 5, 6, 7}), []byte{5, 1, 40})
	f.Add(testWAV(0xFFFE, 1, 16000, 24, 6, nil, []byte{1, 2, 3, 4, 5, 6, 7}), []byte{3})
	f.Add(testWAV(3, 1, 16000, 64, 0, nil, make([]byte, 17)), []byte{9, 2})
	f.Fuzz(func(t *testing.T, b []byte, cuts []byte) {
		whole, want, werr := feedWAV(b)
		sizes := make([]int, len(cuts))
		for i, c := range cuts {
			sizes[i] = int(c)
		}
		split, got, err := feedWAV(b, sizes...)
		if (werr == nil) != (err == nil) || whole.Rate != split.Rate || whole.Channels != split.Channels {
			t.Fatalf("whole: %v, %d×%d; in pieces %v: %v, %d×%d", werr, whole.Rate, whole.Channels, sizes, err, split.Rate, split.Channels)
		}
		if werr == nil && !reflect.DeepEqual(nanless(want), nanless(got)) {
			t.Fatalf("whole: %v; in pieces %v: %v", want, sizes, got)
		}
		for _, c := range got {
			if len(c) != len(got[0]) || len(got) != split.Channels {
				t.Fatalf("%d channels of %d, %d samples", len(got), split.Channels, len(c))
			}
		}
	})
}

// nanless replaces NaNs (which compare unequal) with a marker.
func nanless(s [][]float32) [][]float32 {
	for _, c := range s {
		for i, v := range c {
			if v != v {
				c[i] = 42
			}
		}
	}
	return s
}
