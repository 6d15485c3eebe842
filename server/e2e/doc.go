// Package e2e holds the playground's headless-browser end-to-end tests. They drive the real page
// (the wasm app built from ./wasm) in headless Chromium through chromedp, against an in-process
// server whose provider is a fake OpenAI-compatible upstream (server/fakeupstream), and check
// that the provider key never reaches the browser or the server log.
//
// Run them with `make test`, which builds web/app.wasm and installs Chromium when it is missing,
// or with `go test ./server/e2e`, which builds the wasm into a temporary directory itself. They
// need Chromium: set PLAYGROUND_CHROME to its binary, or have chromium, chromium-browser or
// google-chrome on PATH. A missing browser is a test failure, never a skip.
package e2e
