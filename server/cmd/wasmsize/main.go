// Command wasmsize prints what weighs in a Go-built wasm binary: its sections, and its code by Go
// package, largest first (`make size-report` runs it on web/app.wasm).
//
//	go run ./server/cmd/wasmsize [-top 40] web/app.wasm
package main

import (
	"flag"
	"fmt"
	"os"
	"sort"

	"playground/server/wasmsize"
)

func main() {
	top := flag.Int("top", 40, "how many packages to list")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] FILE.wasm")
		os.Exit(2)
	}
	b, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	r, err := wasmsize.Parse(b)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d bytes\n\nsections:\n", flag.Arg(0), r.Total)
	var names []string
	for n := range r.Sections {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return r.Sections[names[i]] > r.Sections[names[j]] })
	for _, n := range names {
		fmt.Printf("  %10d  %5.1f%%  %s\n", r.Sections[n], 100*float64(r.Sections[n])/float64(r.Total), n)
	}
	pkgs := r.Packages()
	code := 0
	for _, p := range pkgs {
		code += p.Size
	}
	fmt.Printf("\ncode by package (%d functions, %d bytes):\n", len(r.Funcs), code)
	for i, p := range pkgs {
		if i == *top {
			fmt.Printf("  … %d more packages\n", len(pkgs)-i)
			break
		}
		fmt.Printf("  %10d  %5.1f%%  %5d  %s\n", p.Size, 100*float64(p.Size)/float64(code), p.Funcs, p.Path)
	}
}
