# Playground build and test. `make run` builds and serves the playground; `make test` runs every test
# (installing Chromium, Postgres and Redis with apt when they are missing and we are root). See README.md.

GO        ?= go
# ADDR, when set, is passed as -addr; else the server reads PLAYGROUND_ADDR (default localhost:8080).
ADDR      ?=
SERVE_ADDR = $(or $(ADDR),$(PLAYGROUND_ADDR),localhost:8080)
# An execution count, not a duration: Go 1.26's fuzz coordinator can fail a duration-bounded run
# with a spurious "context deadline exceeded" (golang/go#75804, fixed in Go 1.27).
FUZZTIME  ?= 200000x
# FuzzStream parses each input many times: a tenth of the count takes about as long as the others.
FUZZTIME_STREAM ?= 20000x
WASM_EXEC := $(shell $(GO) env GOROOT)/lib/wasm
# Pure packages: no go-app import, so they are tested under GOOS=js too.
PURE      := ./app/kind/... ./app/fetch/... ./app/schema/... ./app/catalog/... ./app/markdown/... ./app/chat/... ./app/form/... ./app/codegen/... ./app/convo/... ./app/embed/... ./app/imagefile/... ./app/upload/...

.PHONY: all build wasm server run example test size size-report vet test-host test-load test-js fuzz chromium sdk proxy-figures clean

all: build

build: wasm server

## wasm: the web app, compiled to web/app.wasm with precompressed .br and .gz beside it.
wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -o web/app.wasm ./wasm
	$(GO) run ./server/cmd/precompress web/app.wasm

## server: the server binary.
server:
	$(GO) build -trimpath -o bin/playground ./server/cmd/playground

## run: build, then serve on ADDR, else PLAYGROUND_ADDR, else localhost:8080 (set AIMLAPI_API_KEY to run models).
run: build
	./bin/playground $(if $(ADDR),-addr $(ADDR))

## example: the example docs page (web/examples/docs.html) on localhost:8081, embedding widgets
## from the playground on $(SERVE_ADDR), which lets that origin frame them. Ctrl+C stops both.
example: build
	$(GO) build -o bin/docsexample ./server/cmd/docsexample
	./bin/docsexample -addr localhost:8081 -playground http://$(SERVE_ADDR) & docs=$$!; \
		trap 'kill $$docs' EXIT INT TERM; \
		./bin/playground $(if $(ADDR),-addr $(ADDR)) -embed-origins http://localhost:8081

## inspect: build the server, then print the summary line of `playground schema inspect` over the
## shared corpus (the exit status is the command's, not tail's).
inspect: server
	@out=$$(./bin/playground schema inspect ../shared/aimlapi-schemas); status=$$?; \
		printf '%s\n' "$$out" | tail -1; exit $$status

## test: everything CI runs.
test: build size chromium sdk vet test-host test-load test-js fuzz

## size-report: what weighs in web/app.wasm — its sections, and its code by Go package.
size-report: wasm
	$(GO) run ./server/cmd/wasmsize web/app.wasm

## size: fails when web/app.wasm.br (what browsers download) is larger than the budget written in
## web/wasm-budget (bytes). Raise it only on purpose, in the commit that needs it; lower it as the
## app shrinks, so that it cannot creep back.
size: wasm
	@budget=$$(cat web/wasm-budget); size=$$(stat -c %s web/app.wasm.br); \
		if [ "$$size" -gt "$$budget" ]; then \
			echo "web/app.wasm.br is $$size bytes, over the budget of $$budget bytes in web/wasm-budget"; exit 1; \
		fi; \
		echo "web/app.wasm.br: $$size bytes, within the budget of $$budget bytes (web/wasm-budget)"

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./wasm ./app/...

## test-host: unit, server and headless-browser tests, with the race detector. server/postgres's run
## against a throwaway Postgres that scripts/postgres-test.sh starts first, and server/redis's against
## a throwaway Redis that scripts/redis-test.sh starts inside it (each installing Debian's with apt
## when missing and we are root); both stop theirs after, also when a test fails. They pass their URLs
## in PLAYGROUND_TEST_POSTGRES and PLAYGROUND_TEST_REDIS; when one is set already, that database or
## Redis is used and nothing is started for it. Without them, those packages' tests fail, never skip.
test-host:
	PLAYGROUND_WEB=$(CURDIR)/web scripts/postgres-test.sh run scripts/redis-test.sh run $(GO) test -race -count=1 ./...

## test-load: 2,000 concurrent streams through the proxy, without the race detector (which caps live
## goroutines below what they need); it reports the memory per stream and fails on a goroutine leak.
test-load:
	$(GO) test -count=1 -run '^TestLoad' -v ./server

## test-js: the pure packages again, compiled to wasm and run on Node.
test-js:
	PATH="$(WASM_EXEC):$$PATH" GOOS=js GOARCH=wasm $(GO) test -count=1 $(PURE)

## fuzz: a short run of every fuzz target (FUZZTIME each); longer: make fuzz FUZZTIME=5000000x.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzHTML$$' -fuzztime=$(FUZZTIME) ./app/markdown
	$(GO) test -run='^$$' -fuzz='^FuzzDecoder$$' -fuzztime=$(FUZZTIME) ./app/chat
	$(GO) test -run='^$$' -fuzz='^FuzzApplyChunk$$' -fuzztime=$(FUZZTIME) ./app/chat
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./app/schema
	$(GO) test -run='^$$' -fuzz='^FuzzCheckBody$$' -fuzztime=$(FUZZTIME) ./app/schema
	$(GO) test -run='^$$' -fuzz='^FuzzChatRequest$$' -fuzztime=$(FUZZTIME) ./server
	$(GO) test -run='^$$' -fuzz='^FuzzParseLiveList$$' -fuzztime=$(FUZZTIME) ./app/catalog
	$(GO) test -run='^$$' -fuzz='^FuzzVisible$$' -fuzztime=$(FUZZTIME) ./app/chat
	$(GO) test -run='^$$' -fuzz='^FuzzStream$$' -fuzztime=$(FUZZTIME_STREAM) ./app/markdown
	$(GO) test -run='^$$' -fuzz='^FuzzUnmarshalHistory$$' -fuzztime=$(FUZZTIME) ./app/convo
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeShare$$' -fuzztime=$(FUZZTIME) ./app/convo
	$(GO) test -run='^$$' -fuzz='^FuzzMergeToolCalls$$' -fuzztime=$(FUZZTIME) ./app/convo
	$(GO) test -run='^$$' -fuzz='^FuzzParseTools$$' -fuzztime=$(FUZZTIME) ./app/convo
	$(GO) test -run='^$$' -fuzz='^FuzzReader$$' -fuzztime=$(FUZZTIME) ./server/meter
	$(GO) test -run='^$$' -fuzz='^FuzzChatDelta$$' -fuzztime=$(FUZZTIME) ./server/meter
	$(GO) test -run='^$$' -fuzz='^FuzzUsageOf$$' -fuzztime=$(FUZZTIME) ./server/meter
	$(GO) test -run='^$$' -fuzz='^FuzzDialects$$' -fuzztime=$(FUZZTIME) ./app/chat
	$(GO) test -run='^$$' -fuzz='^FuzzParseImages$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzParseEmbeddings$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzKept$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./app/imagefile
	$(GO) test -run='^$$' -fuzz='^FuzzReadJob$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzReadTranscript$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzReadSpeech$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzWAVStream$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzParseOCR$$' -fuzztime=$(FUZZTIME) ./app/kind
	$(GO) test -run='^$$' -fuzz='^FuzzParts$$' -fuzztime=$(FUZZTIME) ./app/upload
	$(GO) test -run='^$$' -fuzz='^FuzzRead$$' -fuzztime=$(FUZZTIME) ./server/formcall
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./server/wasmsize

## sdk: the official OpenAI SDK for Node (pinned in server/e2e/sdk/package-lock.json), which
## TestOpenAISDK points at the playground's /api/v1.
sdk:
	npm ci --prefix server/e2e/sdk --no-audit --no-fund --loglevel=error

## chromium: the browser tests need Chromium; install it with apt when we can, else say why not.
chromium:
	@if [ -n "$$PLAYGROUND_CHROME" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1; then \
		exit 0; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Chromium for the browser tests (apt-get install chromium)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "ERROR: the browser tests need Chromium and it is not installed." >&2; \
		echo "Install it (e.g. sudo apt-get install -y chromium) or set PLAYGROUND_CHROME to a Chrome binary." >&2; \
		exit 1; \
	fi

clean:
	rm -rf bin web/app.wasm web/app.wasm.br web/app.wasm.gz

## proxy-figures: what the proxy adds per call and per SSE chunk against a stock
## httputil.ReverseProxy in the same run, and its memory with 2,000 open streams (issue 15).
proxy-figures: server
	$(GO) run ./server/cmd/proxyfigures -playground bin/playground
