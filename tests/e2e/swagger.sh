#!/usr/bin/env bash
# swagger.sh BASE_URL OUT_DIR: loads BASE_URL/docs in headless Chromium (Debian's `chromium`,
# installed when missing), checks that the rendered page lists every operation of the served
# /openapi.json, and keeps a screenshot as OUT_DIR/swagger-ui.png.
set -euo pipefail
base=$1; out=$2
log() { echo "swagger: $*" >&2; }
if ! command -v chromium >/dev/null; then
  log "installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq chromium >&2 || { apt-get update -qq >&2 && apt-get install -y -qq chromium >&2; }
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# The flags keep Chromium off the (closed) network and out of the first-run machinery.
browse() {
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=15000 "$@" 2>>"$out/chromium.log"
}
browse --dump-dom "$base/docs" > "$out/swagger-ui.html"
browse --window-size=1280,2600 --screenshot="$out/swagger-ui.png" "$base/docs" >/dev/null
[ -s "$out/swagger-ui.png" ] || { log "no screenshot was written"; exit 1; }
curl -fsS "$base/openapi.json" > "$out/openapi.served.json"
python3 - "$out/openapi.served.json" "$out/swagger-ui.html" <<'PY'
import html, json, re, sys
spec = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()
want = {(m.upper(), p) for p, item in spec["paths"].items() for m in item}
# Swagger UI renders each operation as an .opblock with its method and path.
shown = set()
for block in re.findall(r'<div class="opblock opblock-[a-z]+.*?</button>', dom, re.S):
    method = re.search(r'class="opblock-summary-method">([A-Z]+)<', block)
    path = re.search(r'data-path="([^"]+)"', block)
    if method and path:
        shown.add((method.group(1), html.unescape(path.group(1)).replace("\u200b", "")))
missing = sorted(want - shown)
if missing:
    sys.exit(f"swagger: {len(missing)} of {len(want)} operations not listed: {missing[:5]}")
title = spec["info"]["title"]
if title not in dom:
    sys.exit(f"swagger: the page does not show the spec title {title!r}")
print(f"swagger: all {len(want)} operations listed under {title!r}", file=sys.stderr)
PY
log "screenshot: $out/swagger-ui.png"
