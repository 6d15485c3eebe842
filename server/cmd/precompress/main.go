// Command precompress writes brotli (.br) and gzip (.gz) copies of files next to them, for the
// server to send to browsers that accept those encodings. `make build` runs it on web/app.wasm.
//
// Usage:
//
//	precompress FILE...
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: precompress FILE...")
		os.Exit(2)
	}
	for _, name := range os.Args[1:] {
		if err := compress(name); err != nil {
			fmt.Fprintln(os.Stderr, "precompress:", err)
			os.Exit(1)
		}
	}
}

func compress(name string) error {
	raw, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return fmt.Errorf("gzip %s: %w", name, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip %s: %w", name, err)
	}
	var br bytes.Buffer
	bw := brotli.NewWriterLevel(&br, 9)
	if _, err := bw.Write(raw); err != nil {
		return fmt.Errorf("brotli %s: %w", name, err)
	}
	if err := bw.Close(); err != nil {
		return fmt.Errorf("brotli %s: %w", name, err)
	}
	for ext, b := range map[string][]byte{".gz": gz.Bytes(), ".br": br.Bytes()} {
		if err := os.WriteFile(name+ext, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d bytes raw, %d gzip, %d brotli\n", name, len(raw), gz.Len(), br.Len())
	return nil
}
