#!/usr/bin/env bash
# `make bench`: release builds of dixie and of the bare poem reference endpoint, each loaded
# with wrk over loopback in the same run, so the ratios are comparable. Bounded: every load
# runs for $BENCH_SECS seconds (default 10) and every process started here is stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs="${BENCH_SECS:-10}"; conns="${BENCH_CONNS:-32}"
target="${CARGO_TARGET_DIR:-target}"
if ! command -v wrk >/dev/null; then
  echo "bench: installing wrk (Debian package)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2 \
    || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2; }
fi
cargo build --release --quiet --bin dixie --example bare --example finn_standin

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { # url
  for _ in $(seq 1 500); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.01; done
  echo "bench: $1 did not come up" >&2; return 1
}
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# load NAME URL [extra wrk args...]: prints one table row, leaves req/s in $last_rps
load() {
  local name=$1 url=$2; shift 2
  local out; out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" "$url")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf "| %-44s | %10s | %8s | %8s |\n" "$name" "$rps" "$p50" "$p99"
  last_rps=$rps
}

echo "# dixie bench — $(date -u +%F) — $(nproc) cores — wrk -t2 -c$conns -d${secs}s"
echo
echo "| what | req/s | p50 | p99 |"
echo "|---|---:|---:|---:|"

bare_port=$(free_port)
"$target/release/examples/bare" "$bare_port" & pids+=($!)
wait_up "http://127.0.0.1:$bare_port/api/health"
load "bare poem JSON endpoint (reference)" "http://127.0.0.1:$bare_port/api/health"
bare_rps=$last_rps

port=$(free_port)
es256_pem=$("$target/release/dixie" keygen)
start_ns=$(date +%s%N)
DIXIE_PORT=$port LOG_LEVEL=info DIXIE_JWT_PRIVATE_KEY="$es256_pem" "$target/release/dixie" >/dev/null 2>&1 & dixie_pid=$!; pids+=($dixie_pid)
wait_up "http://127.0.0.1:$port/api/health"
startup_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 1
idle_rss=$(rss_mb "$dixie_pid")
load "GET /api/health (memory store, access log on)" "http://127.0.0.1:$port/api/health"
health_rps=$last_rps
load "GET /api/auth/.well-known/jwks.json (ES256)" "http://127.0.0.1:$port/api/auth/.well-known/jwks.json"
jwks_rps=$last_rps
load_rss=$(rss_mb "$dixie_pid")

kill "$dixie_pid" 2>/dev/null || true

# The loads below come from one address and a few wallets, so they run with the rate limit
# set out of reach (its cost per request is still paid).
# Authenticated chat round trip through the Finn stand-in: each request passes the JWT,
# rate-limit, allowlist and conviction steps (tier cached after the first request), computes
# the memory context (Finn: wallet → dNFT, projection) and starts a session on Finn: three
# Finn calls per request. Eight wallets, each holding a dNFT on the stand-in; their HS256
# tokens are minted here, so no SIWE signing is needed in a shell.
finn_port=$(free_port)
"$target/release/examples/finn_standin" "$finn_port" 8 >/dev/null & pids+=($!)
wait_up "http://127.0.0.1:$finn_port/health"
chat_port=$(free_port)
secret="bench-hs256-secret-bench-hs256-secret"
DIXIE_PORT=$chat_port FINN_URL="http://127.0.0.1:$finn_port" DIXIE_JWT_PRIVATE_KEY="$secret" \
  DIXIE_RATE_LIMIT_RPM=1000000000 DIXIE_ALLOWLIST_PATH=/nonexistent/allowlist.json \
  "$target/release/dixie" >/dev/null 2>&1 & chat_pid=$!; pids+=($chat_pid)
wait_up "http://127.0.0.1:$chat_port/api/health"
tokens=$(python3 - "$secret" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret = sys.argv[1].encode()
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
for i in range(8):
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": "0x%040x" % (i + 1), "iss": "dixie-bff", "iat": now, "exp": now + 3600, "role": "team"}
    payload = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    print(f"{header}.{payload}.{sig}")
PY
)
# wrk_script < LUA: a wrk script whose `tokens` table holds the bench tokens, then the LUA text.
wrk_script() {
  local file; file=$(mktemp --suffix=.lua)
  { echo "local tokens = {"; for t in $tokens; do echo "  \"$t\","; done; echo "}"; cat; } > "$file"
  echo "$file"
}
chat_lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/chat",
    {["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]},
    '{"prompt":"hello"}')
end
LUA
)
curl -fsS -o /dev/null -XPOST -H "authorization: Bearer ${tokens%%$'\n'*}" -H 'content-type: application/json' \
  -d '{"prompt":"warm"}' "http://127.0.0.1:$chat_port/api/chat"
load "POST /api/chat (JWT, new Finn session via stand-in)" "http://127.0.0.1:$chat_port" -s "$chat_lua"
chat_rps=$last_rps
rm -f "$chat_lua"
# Ownership-gated memory read: each request resolves the wallet's ownership on Finn and, as the
# owner, reads the projection from Finn (two Finn calls).
memory_lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  local i = (n % #tokens) + 1
  return wrk.format("GET", "/api/memory/nft-bench-" .. i,
    {["authorization"] = "Bearer " .. tokens[i]})
end
LUA
)
load "GET /api/memory/{nftId} (JWT, owner, 2 Finn calls)" "http://127.0.0.1:$chat_port" -s "$memory_lua"
memory_rps=$last_rps
rm -f "$memory_lua"
kill "$chat_pid" 2>/dev/null || true

# PostgreSQL store: health (cached probe and count) and reputation get/put through HTTP.
pg_server=$(tests/scripts/ensure-postgres.sh)
bench_db="dixie_bench_$$"
psql "$pg_server" -qc "CREATE DATABASE $bench_db" >/dev/null
pg_url=$(tests/scripts/database-url.sh "$pg_server" "$bench_db")
DATABASE_URL="$pg_url" "$target/release/dixie" migrate >/dev/null 2>&1
pg_port=$(free_port)
DIXIE_PORT=$pg_port DATABASE_URL="$pg_url" DIXIE_ADMIN_KEY=bench-admin DIXIE_DB_POOL_MAX=16 \
  DIXIE_RATE_LIMIT_RPM=1000000000 \
  "$target/release/dixie" >/dev/null 2>&1 & pg_pid=$!; pids+=($pg_pid)
wait_up "http://127.0.0.1:$pg_port/api/health"
load "GET /api/health (PostgreSQL store)" "http://127.0.0.1:$pg_port/api/health"
pg_health_rps=$last_rps
body='{"model_id":"m","event":{"type":"quality_signal","event_id":"00000000-0000-4000-8000-000000000001","agent_id":"a","collection_id":"c","timestamp":"2026-11-21T00:00:00Z","score":0.7,"task_type":"general"}}'
curl -fsS -o /dev/null -XPOST -H 'authorization: Bearer bench-admin' -H 'content-type: application/json' \
  -d "$body" "http://127.0.0.1:$pg_port/api/reputation/bench-nft/events"
load "GET /api/reputation/{nftId} (PostgreSQL)" "http://127.0.0.1:$pg_port/api/reputation/bench-nft"
# Each POST records a new event (fresh UUID per request) for one of 64 NFTs.
lua=$(mktemp --suffix=.lua)
cat > "$lua" <<'LUA'
local counter = 0
function init(args)
  -- each wrk thread has its own Lua state; seed from its table address so ids differ
  math.randomseed(tonumber(string.match(tostring({}), "0x(%x+)"), 16) % 2147483647)
end
request = function()
  counter = counter + 1
  local id = string.format("%08x-0000-4000-8000-%012x", math.random(0, 0x7fffffff), counter)
  local body = '{"model_id":"m","event":{"type":"quality_signal","event_id":"' .. id ..
    '","agent_id":"a","collection_id":"c","timestamp":"2026-11-21T00:00:00Z","score":0.7,"task_type":"general"}}'
  return wrk.format("POST", "/api/reputation/nft-" .. (counter % 64) .. "/events",
    {["content-type"] = "application/json", ["authorization"] = "Bearer bench-admin"}, body)
end
LUA
load "POST /api/reputation/{nftId}/events (PostgreSQL, 64 NFTs)" "http://127.0.0.1:$pg_port" -s "$lua"
rm -f "$lua"
kill "$pg_pid" 2>/dev/null || true
sleep 0.2
psql "$pg_server" -qc "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null

echo
awk -v h="$pg_health_rps" -v b="$bare_rps" 'BEGIN {printf "health (PostgreSQL) / bare: %.0f%% (target >= 35%%)\n", 100*h/b}'
awk -v h="$health_rps" -v b="$bare_rps" 'BEGIN {printf "health / bare: %.0f%% (target >= 50%%, stretch 70%%)\n", 100*h/b}'
awk -v h="$jwks_rps" -v b="$bare_rps" 'BEGIN {printf "jwks / bare: %.0f%% (target >= 60%%)\n", 100*h/b}'
awk -v c="$chat_rps" 'BEGIN {printf "authenticated chat round trip: %.1fx the original'"'"'s 1.4-1.7k req/s authenticated route (target >= 10x)\n", c/1700}'
awk -v c="$memory_rps" 'BEGIN {printf "ownership-gated memory read: %.1fx the original'"'"'s 1.4-1.7k req/s authenticated route\n", c/1700}'
echo "startup to first 200 on /api/health: ${startup_ms} ms (includes curl polling every 10 ms; target <= 50 ms)"
echo "dixie RSS: idle ${idle_rss} MB, after load ${load_rss} MB (targets: idle <= 15 MB, load <= 60 MB)"

# Auth: criterion (sign/verify ops/s, SIWE parse + recovery, SIWE logins/s and the verify
# route with ES256 vs HS256 tokens end to end over loopback).
echo
echo "## criterion: cargo bench --bench auth"
cargo bench --quiet --bench auth 2>/dev/null | grep -E '^(jwt|siwe|http)/|thrpt:|time:' || true
