package e2e

import (
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// wasmLoad is one load of app.wasm as the browser saw it.
type wasmLoad struct {
	status                       int64
	fromServiceWorker, fromCache bool
	wireBytes                    float64 // what came over the network, headers included
}

// TestReturningVisitorDownloadsNoWasm: the second visit of the playground starts from the
// browser's cache — app.wasm comes from go-app's service worker or the HTTP cache, or is
// revalidated with a 304 — so the wasm is not downloaded again.
func TestReturningVisitorDownloadsNoWasm(t *testing.T) {
	e := newEnv(t, true)
	b := startBrowser(t)
	tb := b.newTab(t)
	var mu sync.Mutex
	loads := map[network.RequestID]*wasmLoad{}
	var order []network.RequestID
	if err := chromedp.Listen(tb.ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			if strings.HasSuffix(strings.SplitN(ev.Response.URL, "?", 2)[0], "/web/app.wasm") {
				loads[ev.RequestID] = &wasmLoad{status: ev.Response.Status, fromServiceWorker: ev.Response.FromServiceWorker,
					fromCache: ev.Response.FromDiskCache || ev.Response.FromPrefetchCache}
				order = append(order, ev.RequestID)
			}
		case *network.EventLoadingFinished:
			if l := loads[ev.RequestID]; l != nil {
				l.wireBytes = ev.EncodedDataLength
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	snapshot := func() []wasmLoad {
		mu.Lock()
		defer mu.Unlock()
		var out []wasmLoad
		for _, id := range order {
			out = append(out, *loads[id])
		}
		return out
	}
	tb.openPlayground(e.URL, "/", "")
	first := snapshot()
	if len(first) == 0 || first[0].wireBytes < 1<<20 {
		t.Fatalf("the first visit's wasm loads: %+v (want one download of the whole wasm)", first)
	}
	tb.openPlayground(e.URL, "/", "") // the same browser comes back
	again := snapshot()[len(first):]
	if len(again) == 0 {
		t.Log("the second visit did not even ask for app.wasm (the service worker answered before the network)")
	}
	var wire float64
	for _, l := range again {
		wire += l.wireBytes
		if l.status != 304 && !l.fromServiceWorker && !l.fromCache {
			t.Errorf("the second visit downloaded the wasm again: %+v", l)
		}
	}
	if wire > 16<<10 {
		t.Errorf("the second visit moved %.0f bytes for app.wasm, want next to none", wire)
	}
	t.Logf("app.wasm: first visit %.0f bytes over the wire; second visit %+v", first[0].wireBytes, again)
	tb.checkConsole()
}
