package kind

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrCannotStream says a sound cannot be played as it arrives: it is not a WAV of samples
// [WAVStream] reads (8-, 16-, 24- or 32-bit PCM, 32- or 64-bit float). The page then plays it
// once it has it all.
var ErrCannotStream = errors.New("the sound cannot be played as it arrives")

// Bounds on the WAV header [WAVStream] reads.
const (
	maxWAVHeader = 1 << 20 // bytes before the samples (chunks skipped included)
	maxFmtChunk  = 64
)

// WAVStream reads a WAV sound as it arrives, in chunks split anywhere (the header across chunks,
// a frame's bytes across chunks): each [WAVStream.Write] returns the frames it completes. The
// chunks before the samples (LIST, fact…) are skipped; a data chunk of size 0 or 0xFFFFFFFF (a
// stream's unknown length) runs to the end, one of a known size ends there. The zero value is
// ready to use.
type WAVStream struct {
	// Rate and Channels are the sound's sample rate and channel count, once the header has
	// arrived; 0 before.
	Rate, Channels int

	format, bits int    // 1 PCM or 3 float; bits per sample
	riff, inData bool   // the RIFF header was read; the samples have started
	buf          []byte // the bytes carried over: a part of the header, or the start of a frame
	skip         int64  // the bytes of a skipped chunk still to come
	left         int64  // the data chunk's bytes still to come; -1 when it runs to the end
	seen         int64  // the header's bytes so far
	err          error
}

// Write takes the next chunk of the sound and returns the whole frames it completes, as samples
// per channel (frames[channel][i]; PCM scaled to [-1, 1)), or nil when it completes none. When
// the header shows a sound it cannot read, it returns an error wrapping [ErrCannotStream], and
// the same error on every later call. Write keeps no reference to chunk.
func (w *WAVStream) Write(chunk []byte) ([][]float32, error) {
	if w.err != nil {
		return nil, w.err
	}
	if !w.inData {
		w.buf = append(w.buf, chunk...)
		chunk = nil
		if w.err = w.header(); w.err != nil || !w.inData {
			return nil, w.err
		}
	}
	data := chunk
	if len(w.buf) > 0 {
		data = append(w.buf, chunk...)
	}
	if w.left >= 0 && int64(len(data)) > w.left {
		data = data[:w.left]
	}
	frame := w.Channels * w.bits / 8
	n := len(data) / frame
	used := n * frame
	if w.left >= 0 {
		w.left -= int64(used)
	}
	w.buf = append([]byte(nil), data[used:]...)
	if n == 0 {
		return nil, nil
	}
	out := make([][]float32, w.Channels)
	for c := range out {
		out[c] = make([]float32, n)
	}
	size := w.bits / 8
	for i := range n {
		for c := range out {
			out[c][i] = w.sample(data[(i*w.Channels+c)*size:])
		}
	}
	return out, nil
}

func (w *WAVStream) sample(p []byte) float32 {
	switch {
	case w.format == 3 && w.bits == 32:
		return math.Float32frombits(binary.LittleEndian.Uint32(p))
	case w.format == 3:
		return float32(math.Float64frombits(binary.LittleEndian.Uint64(p)))
	case w.bits == 8:
		return float32(int(p[0])-128) / 128
	case w.bits == 16:
		return float32(int16(binary.LittleEndian.Uint16(p))) / (1 << 15)
	case w.bits == 24:
		return float32(int32(uint32(p[0])<<8|uint32(p[1])<<16|uint32(p[2])<<24)>>8) / (1 << 23)
	}
	return float32(int32(binary.LittleEndian.Uint32(p))) / (1 << 31)
}

// header reads what it can of the header in w.buf, consuming it, until the samples start.
func (w *WAVStream) header() error {
	for !w.inData {
		if w.seen+w.skip > maxWAVHeader {
			return fmt.Errorf("%w: no samples in its first %d KiB", ErrCannotStream, maxWAVHeader>>10)
		}
		if w.skip > 0 {
			n := min(w.skip, int64(len(w.buf)))
			w.buf, w.skip, w.seen = w.buf[n:], w.skip-n, w.seen+n
			if w.skip > 0 {
				return nil
			}
		}
		if !w.riff {
			if len(w.buf) < 12 {
				return nil
			}
			if id := string(w.buf[:4]); id != "RIFF" && id != "RF64" || string(w.buf[8:12]) != "WAVE" {
				return fmt.Errorf("%w: it is not a WAV", ErrCannotStream)
			}
			w.riff, w.skip = true, 12
			continue
		}
		if len(w.buf) < 8 {
			return nil
		}
		id, size := string(w.buf[:4]), int64(binary.LittleEndian.Uint32(w.buf[4:8]))
		switch id {
		case "fmt ":
			if size < 16 || size > maxFmtChunk {
				return fmt.Errorf("%w: a format chunk of %d bytes", ErrCannotStream, size)
			}
			if int64(len(w.buf)) < 8+size {
				return nil
			}
			if err := w.readFmt(w.buf[8 : 8+size]); err != nil {
				return err
			}
		case "data":
			if w.Channels == 0 {
				return fmt.Errorf("%w: its samples come before their format", ErrCannotStream)
			}
			w.inData, w.left = true, size
			if size == 0 || size == math.MaxUint32 {
				w.left = -1
			}
			w.buf = w.buf[8:]
			return nil
		}
		w.skip = 8 + size + size&1
	}
	return nil
}

// readFmt reads the format chunk's body.
func (w *WAVStream) readFmt(b []byte) error {
	le16 := func(i int) int { return int(binary.LittleEndian.Uint16(b[i:])) }
	format, ch, rate, align, bits := le16(0), le16(2), int(binary.LittleEndian.Uint32(b[4:])), le16(12), le16(14)
	if format == 0xFFFE && len(b) >= 26 { // WAVE_FORMAT_EXTENSIBLE: the format is the sub-format GUID's first two bytes
		format = le16(24)
	}
	ok := format == 1 && (bits == 8 || bits == 16 || bits == 24 || bits == 32) || format == 3 && (bits == 32 || bits == 64)
	switch {
	case !ok:
		return fmt.Errorf("%w: WAV format %d with %d-bit samples", ErrCannotStream, format, bits)
	case ch < 1 || ch > 32 || rate < 3000 || rate > 768000 || align != ch*bits/8:
		return fmt.Errorf("%w: %d channels at %d Hz, %d bytes a frame", ErrCannotStream, ch, rate, align)
	}
	w.format, w.bits, w.Channels, w.Rate = format, bits, ch, rate
	return nil
}
