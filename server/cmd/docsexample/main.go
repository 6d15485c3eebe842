// Command docsexample serves the example docs page (web/examples/docs.html) the way a docs site
// would: from its own origin, loading embed.js from the playground. It shows the embed widget at
// work on a machine without a docs site; `make example` runs it beside the playground.
//
// Usage:
//
//	docsexample [-addr localhost:8081] [-playground http://localhost:8080] [-page web/examples/docs.html]
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
)

// pageAddress is the playground address written in the example page.
const pageAddress = "http://localhost:8080"

func main() {
	addr := flag.String("addr", "localhost:8081", "address to serve the example docs page on")
	playground := flag.String("playground", pageAddress, "the playground's address (scheme, host and port)")
	page := flag.String("page", "web/examples/docs.html", "the example docs page")
	flag.Parse()
	b, err := os.ReadFile(*page)
	if err != nil {
		log.Fatalf("docsexample: %v", err)
	}
	html := strings.ReplaceAll(string(b), pageAddress, strings.TrimRight(*playground, "/"))
	http.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	})
	log.Printf("example docs page on http://%s/ (embeds from %s; start the playground with -embed-origins http://%s)", *addr, *playground, *addr)
	log.Fatal(http.ListenAndServe(*addr, nil))
}
