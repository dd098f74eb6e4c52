# wxsign — build, test, benchmark and run the Worker.
# Everything it needs comes from the Go module proxy and npm (package-lock.json).

GO      ?= go
BUILD   := build
SIGNER  := $(BUILD)/signer.wasm
GOAPP   := $(BUILD)/go/app.wasm
RELAY   := $(BUILD)/wxsign-relay
WAZERO  := $(BUILD)/tools/wazero
NPM_OK  := node_modules/.package-lock.json
GOSRC   := $(shell find core internal wasm edge wechattest cmd -name '*.go' 2>/dev/null) go.mod go.sum

SHELL   := bash
export GOFLAGS := -buildvcs=false

.PHONY: all build build-test test test-go test-wasip1 test-e2e check-bundle check-ship bench bench-tools browser-tools lint dev deploy clean

all: build

## build: the signer module, the Worker's Go program and the relay
build: $(SIGNER) $(GOAPP) $(RELAY)

# The hot path: core compiled to a wasip1 reactor (//go:wasmexport).
$(SIGNER): $(GOSRC)
	@mkdir -p $(BUILD)
	GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ ./wasm/signer

# The Go program on syumai/workers. The assets generator empties its output
# folder, so it runs before every build of app.wasm. nethttpomithttp2 is
# net/http's own switch to leave out its HTTP/2 code: Workers' fetch and
# syumai/workers' handler never use it.
GOAPP_TAGS := nethttpomithttp2
$(GOAPP): $(GOSRC)
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(BUILD)/go
	GOOS=js GOARCH=wasm $(GO) build -tags $(GOAPP_TAGS) -trimpath -ldflags='-s -w' -o $@ ./edge/worker

# The relay for WeChat's IP whitelist (docs/relay.md): a static binary to
# copy to any Linux machine with a fixed IP.
$(RELAY): $(GOSRC)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $@ ./cmd/wxsign-relay

## build-test: both programs built with the wxsigntest tag, for the end-to-end tests only
# They honour the WXSIGN_TEST_* switches and /__test/panic (docs/settings.md),
# which what ships must not: build/test mirrors the repository's layout, so
# that a copy of the entry imports the tagged modules as the entry imports
# build/'s, and a copy of wrangler.toml without its [build] step (which would
# make the untagged build) runs them. The e2e harness points wrangler there.
TEST_ROOT   := $(BUILD)/test
TEST_SIGNER := $(TEST_ROOT)/build/signer.wasm
TEST_GOAPP  := $(TEST_ROOT)/build/go/app.wasm
TEST_ENTRY  := $(TEST_ROOT)/edge/entry.mjs $(TEST_ROOT)/edge/signer.mjs
TEST_CONFIG := $(TEST_ROOT)/wrangler.toml
build-test: $(TEST_SIGNER) $(TEST_GOAPP) $(TEST_ENTRY) $(TEST_CONFIG)

$(TEST_SIGNER): $(GOSRC)
	@mkdir -p $(dir $@)
	GOOS=wasip1 GOARCH=wasm $(GO) build -tags wxsigntest -buildmode=c-shared -trimpath -ldflags='-s -w' -o $@ ./wasm/signer

$(TEST_GOAPP): $(GOSRC)
	$(GO) run github.com/syumai/workers/cmd/workers-assets-gen -mode=go -o $(dir $@)
	GOOS=js GOARCH=wasm $(GO) build -tags $(GOAPP_TAGS),wxsigntest -trimpath -ldflags='-s -w' -o $@ ./edge/worker

$(TEST_ROOT)/edge/%.mjs: edge/%.mjs
	@mkdir -p $(dir $@)
	cp $< $@

$(TEST_CONFIG): wrangler.toml
	@mkdir -p $(dir $@)
	sed -e '/^\[build\]$$/,/^$$/d' -e 's|^directory = "edge/static"$$|directory = "../../edge/static"|' $< > $@
	@grep -q '^directory = "../../edge/static"$$' $@ && ! grep -q '^\[build\]' $@ || { echo "$@: wrangler.toml's [build] or [assets] changed shape"; rm -f $@; exit 1; }

$(WAZERO): go.mod go.sum
	@mkdir -p $(dir $@)
	$(GO) build -o $@ github.com/tetratelabs/wazero/cmd/wazero

$(NPM_OK): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## test: lint, the Go suites natively, the core under wasip1, the Worker end to end
test: lint test-go test-wasip1 check-bundle check-ship test-e2e

# The bundle is what `wrangler deploy` would upload (the entry, both wasm
# modules), measured by wrangler itself as "Total Upload: … / gzip: … KiB":
# the free plan refuses more than 3 MiB gzip. A size check, not a timing.
BUNDLE_LIMIT_KIB := 3072
check-bundle: build $(NPM_OK)
	@out=$$(npx wrangler deploy --dry-run --outdir $(BUILD)/dist 2>&1) || { echo "$$out"; exit 1; }; \
	  gz=$$(echo "$$out" | sed -n 's|.*Total Upload: .* KiB / gzip: \([0-9.]*\) KiB.*|\1|p'); \
	  [ -n "$$gz" ] || { echo "$$out"; echo "wrangler did not say the bundle's size"; exit 1; }; \
	  echo "bundle: $$gz KiB gzip (the free plan allows $(BUNDLE_LIMIT_KIB) KiB)"; \
	  awk -v g="$$gz" -v l=$(BUNDLE_LIMIT_KIB) 'BEGIN { exit !(g <= l) }' || { echo "the bundle exceeds the free plan's 3 MiB"; exit 1; }

# What ships holds no test hook: no WXSIGN_TEST_* switch, no /__test/ route
# and no wxs_sign export (a name, its export kind func) in either module.
# The test build, which has the switches, is the control: a check that finds
# nothing there could find nothing anywhere.
check-ship: $(SIGNER) $(GOAPP) $(TEST_SIGNER) $(TEST_GOAPP)
	@for f in $(SIGNER) $(GOAPP); do \
	  if LC_ALL=C grep -aqE 'WXSIGN_TEST_|/__test/' $$f; then echo "$$f holds a test switch or route"; exit 1; fi; \
	  if LC_ALL=C grep -aqP '\x08wxs_sign\x00' $$f; then echo "$$f exports wxs_sign"; exit 1; fi; \
	done
	@for f in $(TEST_SIGNER) $(TEST_GOAPP); do \
	  LC_ALL=C grep -aqE 'WXSIGN_TEST_' $$f || { echo "$$f, the control, holds no test switch: the check is broken"; exit 1; }; \
	done
	@echo "ship: $(SIGNER) and $(GOAPP) hold no test hook"

# Allocation counts are asserted without the race detector (it makes values
# escape); the concurrent packages then run again under it.
test-go: $(SIGNER)
	WXSIGN_WASM=$(abspath $(SIGNER)) $(GO) test -count=1 ./...
	WXSIGN_WASM=$(abspath $(SIGNER)) $(GO) test -race -count=1 -run 'Concurrent|Cold|Faults|Revoked|Ticket|Pass' ./core/... ./internal/testhost ./wechattest ./edge/service

# The core's whole suite, and the signer module's own tests, compiled to
# wasip1 and run by the wazero CLI: the code is proven on the target it
# ships for, not only on amd64.
test-wasip1: $(WAZERO)
	GOOS=wasip1 GOARCH=wasm $(GO) test -count=1 -exec "$(abspath $(WAZERO)) run -mount=/:/ -env-inherit" ./core/... ./wasm/signer

# The real Worker, in its test build (build-test), under `wrangler dev`
# (workerd, local KV) against the stand-in, and the page side in headless
# Chromium (TestBrowser). The whole run takes over go test's default 10
# minutes on a shared machine.
test-e2e: build-test $(NPM_OK) browser-tools
	$(GO) test -tags e2e -count=1 -timeout 30m -v ./internal/e2e 2>&1 | tee $(BUILD)/e2e.log | grep -E '^(=== RUN|--- |PASS|FAIL|ok|panic)|_test.go' ; exit $${PIPESTATUS[0]}

## bench: the figures, printed and written to build/bench.json (see bench/README.md)
bench: build $(NPM_OK) bench-tools
	$(GO) run ./bench -o $(BUILD)/bench.json

# The load generator, and valgrind for the instruction counts, come from
# Debian.
bench-tools:
	@command -v wrk >/dev/null && command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk valgrind; }

# Chromium for the browser tests (internal/browser, TestBrowser) comes from
# Debian: playwright-core drives it and never downloads a browser. A CJK
# font, so that the Chinese pages' screenshots show characters, not boxes.
browser-tools:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei; }

## lint: gofmt and go vet, natively and for both wasm targets, shipped and test builds
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go') $$(git ls-files --others --exclude-standard '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOOS=wasip1 GOARCH=wasm $(GO) vet ./core/... ./wasm/signer
	GOOS=js GOARCH=wasm $(GO) vet -tags $(GOAPP_TAGS) ./edge/worker
	GOOS=wasip1 GOARCH=wasm $(GO) vet -tags wxsigntest ./wasm/signer
	GOOS=js GOARCH=wasm $(GO) vet -tags $(GOAPP_TAGS),wxsigntest ./edge/worker

## dev: wrangler dev on :8787 with the cron test route (stand-in if no credentials)
dev: $(NPM_OK) build
	./edge/dev.sh

## deploy: wrangler deploy
deploy: $(NPM_OK)
	npx wrangler deploy

clean:
	rm -rf $(BUILD) .wrangler dist
