#!/usr/bin/env bash
# The README's answer-faithfulness figure: AnswerFaithfulnessTests on every other held-out question (about five
# minutes on two cores; `make test` asks every 16th). Prints one line per language.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU:-native}"
swift build -c release -Xswiftc -enable-testing --build-tests
CLV_FAITHFULNESS_STRIDE=2 swift test -c release -Xswiftc -enable-testing --skip-build --filter AnswerFaithfulnessTests 2>&1 \
    | grep -E "^(en|zh): |passed|failed"
