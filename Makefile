# CLVKit: the two commands a fresh machine needs are `make demo` and `make test`.
# Each runs scripts/setup.sh first (apt libraries, pinned data and models), which is quick when all is there.

SWIFT_RELEASE := swift build -c release
CLV := .build/release/clv
DEMO_DB ?= .cache/demo/clv.sqlite
CLV_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/clvkit
CLV_DATA ?= $(CLV_CACHE)/data
# The language-model kernels are compiled for this machine's CPU (see Package.swift); `make CLVKIT_TARGET_CPU=`
# builds for any x86-64.
CLVKIT_TARGET_CPU ?= native
export CLV_CACHE CLV_DATA CLVKIT_TARGET_CPU

.PHONY: setup build demo test lint format screenshots clean

setup:
	@scripts/setup.sh

build: setup
	@$(SWIFT_RELEASE) --product clv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
	@test -x $(CLV)

## The whole pipeline on the CDNOW sample: ingest, summarise, fit, evaluate on the holdout, then serve the API and
## dashboard on http://127.0.0.1:$(DEMO_PORT)/ with a fresh admin key (Ctrl-C stops it).
DEMO_PORT ?= 8080
demo: build
	@mkdir -p $(dir $(DEMO_DB))
	@$(CLV) ingest orders $(CLV_DATA)/cdnow/CDNOW_sample.txt --preset cdnow-sample --db $(DEMO_DB)
	@echo; echo "Customer summaries (39-week calibration, 39-week holdout):"
	@$(CLV) summary --db $(DEMO_DB) --end 1997-09-30 --holdout-end 1998-06-30 --unit week --format table | head -8
	@echo; $(CLV) fit --model bgnbd --db $(DEMO_DB) --end 1997-09-30 --unit week
	@echo; $(CLV) fit --model gg --db $(DEMO_DB) --end 1997-09-30 --unit week
	@echo; $(CLV) evaluate --model bgnbd --db $(DEMO_DB) --end 1997-09-30 --holdout-end 1998-06-30 --unit week
	@echo; echo "Most valuable customers over the next 52 weeks:"
	@$(CLV) predict --model bgnbd --spend-model gg --horizon 52 --db $(DEMO_DB) --end 1997-09-30 --unit week --format csv \
	  | { IFS= read -r header; echo "$$header"; sort -t, -k8 -g -r | head -5; }
	@KEY=$$($(CLV) keys create --role admin --db $(DEMO_DB) 2>/dev/null); echo; \
	  echo "Dashboard and API: http://127.0.0.1:$(DEMO_PORT)/   API key (admin): $$KEY"; \
	  echo "Three things to try:"; \
	  echo "  1. Open http://127.0.0.1:$(DEMO_PORT)/ and sign in with the key: the customer base, segments, one customer's page."; \
	  echo "  2. curl -H 'Authorization: Bearer $$KEY' 'http://127.0.0.1:$(DEMO_PORT)/v1/audiences?segment=At%20Risk&format=csv'"; \
	  echo "  3. In another terminal: $(CLV) predict --model bgnbd --db $(DEMO_DB) --end 1997-09-30 --unit week --interval 0.9 --format table | head"; \
	  echo; $(CLV) serve --db $(DEMO_DB) --port $(DEMO_PORT)

## Every test, release mode (numeric code is slow in debug builds); --test installs headless Chromium for the dashboard tests
## and a venv with the API fuzzer (schemathesis) and OpenAI's Python client for the contract tests.
## The code must follow .swift-format first (`make format` applies it).
test: lint
	@scripts/setup.sh --test
	swift test -c release -Xswiftc -enable-testing

FORMATTED := Sources Tests Package.swift
lint:
	@swift format lint --strict --recursive --parallel $(FORMATTED) || { echo "Not formatted as .swift-format says: run 'make format'." >&2; exit 1; }

format:
	@swift format format --in-place --recursive --parallel $(FORMATTED)

## PNGs of every dashboard page at laptop and phone widths, into screenshots/ (git-ignored).
screenshots:
	@scripts/screenshots.sh

clean:
	rm -rf .build .cache
