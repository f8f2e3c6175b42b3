# CLVKit: the two commands a fresh machine needs are `make demo` and `make test`.
# Each runs scripts/setup.sh first (apt libraries, pinned data and models), which is quick when all is there.

SWIFT_RELEASE := swift build -c release
CLV := .build/release/clv
DEMO_DB ?= .cache/demo/clv.sqlite
CLV_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/clvkit
CLV_DATA ?= $(CLV_CACHE)/data
export CLV_CACHE CLV_DATA

.PHONY: setup build demo test screenshots clean

setup:
	@scripts/setup.sh

build: setup
	@$(SWIFT_RELEASE) --product clv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
	@test -x $(CLV)

## Ingest the CDNOW sample into a fresh SQLite file and summarise the 39-week calibration window.
demo: build
	@mkdir -p $(dir $(DEMO_DB))
	@$(CLV) ingest orders $(CLV_DATA)/cdnow/CDNOW_sample.txt --preset cdnow-sample --db $(DEMO_DB)
	@$(CLV) summary --db $(DEMO_DB) --end 1997-09-30 --holdout-end 1998-06-30 --unit week --format table | head -25

## Every test, release mode (numeric code is slow in debug builds); --browser installs headless Chromium for the dashboard tests.
test:
	@scripts/setup.sh --browser
	swift test -c release -Xswiftc -enable-testing

## PNGs of every dashboard page at laptop and phone widths, into screenshots/ (git-ignored).
screenshots:
	@scripts/screenshots.sh

clean:
	rm -rf .build .cache
