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
cargo build --release --quiet --bin dixie --example bare --example bare_proxy --example finn_standin \
  --example ws_load

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
  last_reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  local failed; failed=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  [ -n "$failed" ] && name="$name — $failed non-2xx!"
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
  DIXIE_AGENT_RATE_LIMIT_RPM=1000000 DIXIE_AGENT_RATE_LIMIT_RPD=100000000 \
  "$target/release/dixie" >/dev/null 2>&1 & chat_pid=$!; pids+=($chat_pid)
wait_up "http://127.0.0.1:$chat_port/api/health"
# mint_tokens N: HS256 tokens of wallets 0x…01..N, one per line.
mint_tokens() {
python3 - "$secret" "$1" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret = sys.argv[1].encode()
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
for i in range(int(sys.argv[2])):
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": "0x%040x" % (i + 1), "iss": "dixie-bff", "iat": now, "exp": now + 3600, "role": "team"}
    payload = b64(json.dumps(claims).encode())
    sig = b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    print(f"{header}.{payload}.{sig}")
PY
}
tokens=$(mint_tokens 8)
# wrk_script < LUA: a wrk script whose `tokens` table holds the bench tokens, then the LUA text.
wrk_script() {
  local file; file=$(mktemp --suffix=.lua)
  { echo "local tokens = {"; for t in $tokens; do echo "  \"$t\","; done; echo "}"; cat; } > "$file"
  echo "$file"
}
finn_total() { curl -fsS "http://127.0.0.1:$finn_port/_stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])'; }
# A new session and its whole first turn: session create + message (2 Finn calls).
lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/chat",
    {["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]},
    '{"prompt":"hello","stream":false}')
end
LUA
)
curl -fsS -o /dev/null -XPOST -H "authorization: Bearer ${tokens%%$'\n'*}" -H 'content-type: application/json' \
  -d '{"prompt":"warm","stream":false}' "http://127.0.0.1:$chat_port/api/chat"
load "POST /api/chat (new session, whole turn)" "http://127.0.0.1:$chat_port" -s "$lua"
chat_new_rps=$last_rps
rm -f "$lua"
# A turn in an existing session, every identity answer warm (tier, dNFT, memory): the hot path.
warm_lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  local i = (n % #tokens) + 1
  return wrk.format("POST", "/api/chat",
    {["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[i]},
    '{"prompt":"hello","stream":false,"sessionId":"bench-' .. i .. '"}')
end
LUA
)
before=$(finn_total)
load "POST /api/chat (existing session, warm caches)" "http://127.0.0.1:$chat_port" -s "$warm_lua"
chat_rps=$last_rps
finn_calls=$(( $(finn_total) - before ))
calls_per_chat=$(awk -v c="$finn_calls" -v r="$last_reqs" 'BEGIN {printf "%.2f", c/r}')
proxy_port=$(free_port)
"$target/release/examples/bare_proxy" "$proxy_port" "http://127.0.0.1:$finn_port" & pids+=($!)
sleep 0.3
proxy_lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/chat", {["content-type"] = "application/json"},
    '{"prompt":"hello","sessionId":"bench-' .. ((n % 8) + 1) .. '"}')
end
LUA
)
load "bare one-hop proxy to the stand-in (reference)" "http://127.0.0.1:$proxy_port" -s "$proxy_lua"
proxy_rps=$last_rps
rm -f "$proxy_lua"
# Ownership-gated memory read: the wallet's holdings are reused (one lookup per wallet per 5
# min); as the owner, each request reads the projection from Finn (one Finn call).
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
load "GET /api/memory/{nftId} (JWT, owner, 1 Finn call)"  "http://127.0.0.1:$chat_port" -s "$memory_lua"
memory_rps=$last_rps
rm -f "$memory_lua"
# A dNFT's personality, reused for DIXIE_PERSONALITY_TTL: after the first request per dNFT, no
# Finn call.
personality_lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  local i = (n % #tokens) + 1
  return wrk.format("GET", "/api/personality/nft-bench-" .. i,
    {["authorization"] = "Bearer " .. tokens[i]})
end
LUA
)
before=$(finn_total)
load "GET /api/personality/{nftId} (JWT, warm cache)" "http://127.0.0.1:$chat_port" -s "$personality_lua"
personality_rps=$last_rps
personality_calls=$(( $(finn_total) - before ))
rm -f "$personality_lua"
# Agent queries of 8 TBAs (architect owners), signed just now: after each TBA's first request
# its verified signature and its owner's tier are reused, so each query is one Finn call
# (POST /api/chat) and the pricing, receipt and limits (per sliding minute and UTC day, out of
# reach here) of Dixie.
agents_table=$(echo "local agents = {"; "$target/release/examples/finn_standin" sign-agents 8 \
  | awk '{printf "  {\"%s\", \"%s\", \"%s\"},\n", $1, $2, $3}'; echo "}")
agent_lua=$( { echo "$agents_table"; cat <<'LUA'
local n = 0
request = function()
  n = n + 1
  local a = agents[(n % #agents) + 1]
  return wrk.format("POST", "/api/agent/query",
    {["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[1],
     ["x-tba-address"] = a[1], ["x-tba-signature"] = a[2], ["x-tba-timestamp"] = a[3]},
    '{"query":"what is BGT?","maxCostMicroUsd":100000}')
end
LUA
} | wrk_script)
before=$(finn_total)
load "POST /api/agent/query (TBA verified once per agent, 1 Finn call)" "http://127.0.0.1:$chat_port" -s "$agent_lua"
agent_rps=$last_rps
agent_calls=$(( $(finn_total) - before ))
rm -f "$agent_lua"

# Streamed turns: 16 streams of 16 wallets, each sending a prompt and reading to `done`, again
# and again (chat stream → Dixie → Finn's stream on the stand-in → translated and enriched back).
# The same turns straight on the stand-in's own stream are the reference (DESIGN: a streamed
# turn adds <= 1 ms to the stand-in's own time).
stream_tokens=$(mktemp); mint_tokens 16 > "$stream_tokens"
# turns_row NAME ARGS...: one table row from a ws_load turns run; p50 in $turn_p50
turns_row() {
  local name=$1; shift
  local out; out=$("$target/release/examples/ws_load" "$@")
  local _w turns per_sec p50 p99
  read -r _w turns per_sec _w p50 _w p99 <<<"$out"
  printf "| %-44s | %10s | %8s | %8s |\n" "$name" "$per_sec" "${p50}ms" "${p99}ms"
  turn_p50=$p50
}
turns_row "Finn stand-in's stream alone: prompt → agent_end (reference)" turns-direct "127.0.0.1:$finn_port" "$secs" 16
direct_p50=$turn_p50
turns_row "chat stream: prompt → done (16 streams)" turns "127.0.0.1:$chat_port" "$secs" 16 "$stream_tokens"
dixie_turn_p50=$turn_p50

# Idle streams: each holds a client socket and a socket to Finn, so one process's descriptor
# limit (ulimit -n) bounds how many fit: as many as it allows, up to 10 000.
idle_n=$(( ($(ulimit -n) - 200) / 2 )); [ "$idle_n" -gt 10000 ] && idle_n=10000
idle_tokens=$(mktemp); mint_tokens $(( idle_n / 5 + 1 )) > "$idle_tokens"
rss_streams_before=$(rss_mb "$chat_pid")
coproc IDLE { "$target/release/examples/ws_load" idle "127.0.0.1:$chat_port" "$idle_n" "$idle_tokens"; }
read -r _ idle_open <&"${IDLE[0]}"
sleep 2
rss_streams_after=$(rss_mb "$chat_pid")
kill "$IDLE_PID" 2>/dev/null || true
rm -f "$stream_tokens" "$idle_tokens"
kill "$chat_pid" 2>/dev/null || true

# PostgreSQL store: health (cached probe and count) and reputation get/put through HTTP.
pg_server=$(tests/scripts/ensure-postgres.sh)
bench_db="dixie_bench_$$"
psql "$pg_server" -qc "CREATE DATABASE $bench_db" >/dev/null
pg_url=$(tests/scripts/database-url.sh "$pg_server" "$bench_db")
DATABASE_URL="$pg_url" "$target/release/dixie" migrate >/dev/null 2>&1
pg_port=$(free_port)
DIXIE_PORT=$pg_port DATABASE_URL="$pg_url" DIXIE_ADMIN_KEY=bench-admin DIXIE_DB_POOL_MAX=16 \
  DIXIE_RATE_LIMIT_RPM=1000000000 FINN_URL="http://127.0.0.1:$finn_port" DIXIE_JWT_PRIVATE_KEY="$secret" \
  DIXIE_ALLOWLIST_PATH=/nonexistent/allowlist.json \
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
# Review context over 1 000 aggregates (three quality events each, rising): the tier
# distribution scans them once per 5 min; each request reads one dNFT's aggregate and events.
python3 - "$pg_port" <<'PY'
import http.client, json, sys, uuid
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for i in range(1000):
    for score in (0.2, 0.5, 0.9):
        body = json.dumps({"model_id": "m", "event": {"type": "quality_signal",
            "event_id": str(uuid.uuid4()), "agent_id": "a", "collection_id": "c",
            "timestamp": "2026-12-02T00:00:00Z", "score": score, "task_type": "general"}})
        conn.request("POST", f"/api/reputation/review-{i}/events", body,
                     {"content-type": "application/json", "authorization": "Bearer bench-admin"})
        resp = conn.getresponse(); resp.read()
        assert resp.status == 201, resp.status
PY
aggregates=$(curl -fsS "http://127.0.0.1:$pg_port/api/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reputation_service"]["aggregate_count"])')
enrich_lua=$(wrk_script <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/enrich/review-context",
    {["content-type"] = "application/json", ["authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]},
    '{"nft_id":"review-' .. (n % 1000) .. '","review_type":"audit"}')
end
LUA
)
partial=$(curl -fsS -XPOST -H "authorization: Bearer ${tokens%%$'\n'*}" -H 'content-type: application/json' \
  -d '{"nft_id":"review-1","review_type":"audit"}' "http://127.0.0.1:$pg_port/api/enrich/review-context" \
  | python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["partial"], b["reputation_context"]["trajectory"])')
load "POST /api/enrich/review-context (PostgreSQL, $aggregates aggregates)" "http://127.0.0.1:$pg_port" -s "$enrich_lua"
enrich_rps=$last_rps
rm -f "$enrich_lua"
kill "$pg_pid" 2>/dev/null || true
sleep 0.2
psql "$pg_server" -qc "DROP DATABASE IF EXISTS $bench_db WITH (FORCE)" >/dev/null

# The rate limit's own cost: POST /api/auth/nonce (rate-limited, no I/O of its own: a signed
# nonce) with the limit counted in this process, then in Redis (one script per request; every
# wrk request comes from one address, so one hot key). The limit is out of reach in both.
redis_url=$(tests/scripts/ensure-redis.sh)
for backend in memory redis; do
  rl_port=$(free_port)
  DIXIE_PORT=$rl_port LOG_LEVEL=warn DIXIE_JWT_PRIVATE_KEY="$es256_pem" DIXIE_RATE_LIMIT_RPM=1000000000 \
    REDIS_URL="$redis_url" DIXIE_RATE_LIMIT_BACKEND=$backend DIXIE_REDIS_PREFIX="bench-$$-$backend:" \
    "$target/release/dixie" >/dev/null 2>&1 & rl_pid=$!; pids+=($rl_pid)
  wait_up "http://127.0.0.1:$rl_port/api/health"
  load "POST /api/auth/nonce, rate limit in $backend" "http://127.0.0.1:$rl_port/api/auth/nonce" -s <(printf 'wrk.method = "POST"\n')
  printf -v "rl_${backend}_rps" '%s' "$last_rps"
  kill "$rl_pid" 2>/dev/null || true
  sleep 0.2
done

# What metrics cost: health and a warm chat turn on the same build and settings with metrics
# recorded (the default) and not (DIXIE_METRICS=false), alternated BENCH_METRICS_ROUNDS times
# (default 3) to even out drift (this machine drifts by 10-20 % between runs of the same build).
declare -A obs_rps
for round in $(seq 1 "${BENCH_METRICS_ROUNDS:-3}"); do
  for metrics in true false; do
    mp=$(free_port)
    DIXIE_PORT=$mp FINN_URL="http://127.0.0.1:$finn_port" DIXIE_JWT_PRIVATE_KEY="$secret" \
      DIXIE_RATE_LIMIT_RPM=1000000000 DIXIE_ALLOWLIST_PATH=/nonexistent/allowlist.json \
      DIXIE_METRICS=$metrics "$target/release/dixie" >/dev/null 2>&1 & m_pid=$!; pids+=($m_pid)
    wait_up "http://127.0.0.1:$mp/api/health"
    load "GET /api/health, metrics $metrics ($round)" "http://127.0.0.1:$mp/api/health"
    obs_rps[health_$metrics]=$(awk -v a="${obs_rps[health_$metrics]:-0}" -v b="$last_rps" 'BEGIN {print a+b}')
    load "POST /api/chat warm, metrics $metrics ($round)" "http://127.0.0.1:$mp" -s "$warm_lua"
    obs_rps[chat_$metrics]=$(awk -v a="${obs_rps[chat_$metrics]:-0}" -v b="$last_rps" 'BEGIN {print a+b}')
    kill "$m_pid" 2>/dev/null || true
    sleep 0.2
  done
done
rm -f "$warm_lua"

echo
awk -v h="$pg_health_rps" -v b="$bare_rps" 'BEGIN {printf "health (PostgreSQL) / bare: %.0f%% (target >= 35%%)\n", 100*h/b}'
awk -v h="$health_rps" -v b="$bare_rps" 'BEGIN {printf "health / bare: %.0f%% (target >= 50%%, stretch 70%%)\n", 100*h/b}'
awk -v h="$jwks_rps" -v b="$bare_rps" 'BEGIN {printf "jwks / bare: %.0f%% (target >= 60%%)\n", 100*h/b}'
awk -v c="$chat_rps" 'BEGIN {printf "authenticated chat, warm caches: %.1fx the original'"'"'s 1.4-1.7k req/s authenticated route (target >= 10x)\n", c/1700}'
awk -v c="$chat_rps" -v p="$proxy_rps" 'BEGIN {printf "chat (warm) / bare one-hop proxy: %.0f%% (target >= 60%%)\n", 100*c/p}'
echo "Finn calls per warm chat: $calls_per_chat (target 1)"
awk -v d="$dixie_turn_p50" -v r="$direct_p50" 'BEGIN {printf "a streamed turn through Dixie adds %.2f ms to the stand-in'"'"'s own (p50; target <= 1 ms)\n", d-r}'
awk -v b="$rss_streams_before" -v a="$rss_streams_after" -v n="$idle_open" 'BEGIN {
  per = (a - b) * 1024 / n; printf "idle streams: %d open, RSS %.1f -> %.1f MB, %.1f KB per stream, %.0f streams per GB (target >= 50000)\n", n, b, a, per, 1024*1024/per }'
awk -v c="$memory_rps" 'BEGIN {printf "ownership-gated memory read: %.1fx the original'"'"'s 1.4-1.7k req/s authenticated route\n", c/1700}'
awk -v c="$personality_rps" -v b="$bare_rps" -v n="$personality_calls" 'BEGIN {printf "personality (warm cache): %.0f%% of bare, %d Finn calls in the run\n", 100*c/b, n}'
awk -v c="$agent_rps" -v n="$agent_calls" 'BEGIN {printf "agent query (warm TBA cache): %.0f req/s, %d Finn calls in the run\n", c, n}'
awk -v on="${obs_rps[health_true]}" -v off="${obs_rps[health_false]}" -v con="${obs_rps[chat_true]}" -v coff="${obs_rps[chat_false]}" \
  'BEGIN {printf "metrics on / off: health %.1f%%, warm chat %.1f%% of the req/s (target >= 95%%)\n", 100*on/off, 100*con/coff}'
awk -v m="$rl_memory_rps" -v r="$rl_redis_rps" 'BEGIN {printf "rate limit in Redis vs in memory (nonce route): %.0f%% of the req/s, +%.0f us per request\n", 100*r/m, 1e6/r - 1e6/m}'
echo "review context: $aggregates aggregates, first answer partial/trajectory: $partial; $enrich_rps req/s"
echo "startup to first 200 on /api/health: ${startup_ms} ms (includes curl polling every 10 ms; target <= 50 ms)"
echo "dixie RSS: idle ${idle_rss} MB, after load ${load_rss} MB (targets: idle <= 15 MB, load <= 60 MB)"

# Auth: criterion (sign/verify ops/s, SIWE parse + recovery, SIWE logins/s and the verify
# route with ES256 vs HS256 tokens end to end over loopback).
echo
echo "## criterion: cargo bench --bench auth"
cargo bench --quiet --bench auth 2>/dev/null | grep -E '^(jwt|siwe|http)/|thrpt:|time:' || true
