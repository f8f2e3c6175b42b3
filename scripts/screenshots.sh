#!/usr/bin/env bash
# Screenshots of every dashboard page at laptop (1366x900) and phone (390x844) widths, into screenshots/.
#
#   scripts/screenshots.sh          (or: make screenshots)
#
# Builds `clv` (release), ingests the CDNOW sample into a fresh SQLite file, creates an analyst key, starts
# `clv serve` on a free port, signs in through the login page in headless Chromium (driven by chromedriver over
# the W3C WebDriver protocol) and saves full-page PNGs named <page>-<laptop|phone>.png.
set -euo pipefail
# Built as `make` builds: language-model kernels for this machine's CPU (see Package.swift).
export CLVKIT_TARGET_CPU="${CLVKIT_TARGET_CPU-native}"
cd "$(dirname "$0")/.."

CLV_CACHE="${CLV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clvkit}"
CLV_DATA="${CLV_DATA:-$CLV_CACHE/data}"
OUT="${SCREENSHOTS:-screenshots}"
say() { echo "screenshots: $*" >&2; }

scripts/setup.sh --browser
config="${CLV_BUILD_CONFIGURATION:-release}"   # debug also works, for a quicker look while developing
swift build -c "$config" --product clv 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
CLV=".build/$config/clv"
[ -x "$CLV" ] || { say "clv did not build"; exit 1; }

work="$(mktemp -d)"
server=""; driver=""
cleanup() {
    [ -n "$server" ] && kill "$server" 2>/dev/null || true
    [ -n "$driver" ] && kill "$driver" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

db="$work/clv.sqlite"
"$CLV" ingest orders "$CLV_DATA/cdnow/CDNOW_sample.txt" --preset cdnow-sample --db "$db" >/dev/null
key="$("$CLV" keys create --role analyst --label screenshots --db "$db" 2>/dev/null)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port="$(free_port)"; driver_port="$(free_port)"
"$CLV" serve --db "$db" --port "$port" --log-level warning >"$work/serve.log" 2>&1 & server=$!
chromedriver --port="$driver_port" >"$work/chromedriver.log" 2>&1 & driver=$!
for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    kill -0 "$server" 2>/dev/null || { say "clv serve stopped:"; cat "$work/serve.log" >&2; exit 1; }
    sleep 0.2
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { say "the server is not ready"; cat "$work/serve.log" >&2; exit 1; }
mkdir -p "$OUT"

KEY="$key" PORT="$port" DRIVER="$driver_port" OUT="$OUT" python3 - <<'PY'
import base64, json, os, urllib.request

driver = f"http://127.0.0.1:{os.environ['DRIVER']}"
site = f"http://127.0.0.1:{os.environ['PORT']}"
out = os.environ["OUT"]

def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(driver + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)["value"]

# The highest-CLV customer, to show a rich Customer 360.
request = urllib.request.Request(site + "/v1/customers?limit=1", headers={"Authorization": "Bearer " + os.environ["KEY"]})
top = json.load(urllib.request.urlopen(request))["customers"][0]["customer_id"]
request = urllib.request.Request(site + "/v1/audiences?churn_risk=high", headers={"Authorization": "Bearer " + os.environ["KEY"]})
risky = json.load(urllib.request.urlopen(request))["customers"][0]["customer_id"]

pages = [
    ("overview", "/ui"), ("segments", "/ui/segments"), ("model", "/ui/model"),
    ("customer", f"/ui/customer?id={top}"), ("customer-at-risk", f"/ui/customer?id={risky}"),
    ("audiences", "/ui/audiences?segment=At+Risk"), ("search", "/ui/search?q=10"), ("login", "/ui/login"),
]
for name, (width, height) in {"laptop": (1366, 900), "phone": (390, 844)}.items():
    session = call("POST", "/session", {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={width},{height}"]}}}})["sessionId"]
    s = f"/session/{session}"
    try:
        # Chromium keeps a minimum window width; emulate the device's viewport instead.
        call("POST", s + "/goog/cdp/execute", {"cmd": "Emulation.setDeviceMetricsOverride", "params": {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"}})
        call("POST", s + "/url", {"url": site + "/ui/login"})
        field = call("POST", s + "/element", {"using": "css selector", "value": "#api-key"})
        call("POST", s + f"/element/{list(field.values())[0]}/value", {"text": os.environ["KEY"]})
        button = call("POST", s + "/element", {"using": "css selector", "value": "#login-submit"})
        call("POST", s + f"/element/{list(button.values())[0]}/click", {})
        for page, path in pages:
            if page == "login":
                call("DELETE", s + "/cookie")
            call("POST", s + "/url", {"url": site + path})
            full = call("POST", s + "/execute/sync", {"script": "return document.documentElement.scrollHeight", "args": []})
            shot = call("POST", s + "/goog/cdp/execute", {"cmd": "Page.captureScreenshot", "params": {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(int(full), 8000), "scale": 1}}})["data"]
            path_out = os.path.join(out, f"{page}-{name}.png")
            with open(path_out, "wb") as f:
                f.write(base64.b64decode(shot))
            print(path_out)
    finally:
        call("DELETE", s)
PY
say "wrote $(ls "$OUT"/*.png | wc -l) screenshots to $OUT/"
