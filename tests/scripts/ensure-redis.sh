#!/usr/bin/env bash
# Prints a Redis URL the test suite may use (it keeps to keys of its own, prefixed per test).
#   1. $REDIS_URL when set;
#   2. else a server already answering PING on 127.0.0.1:6379;
#   3. else a throwaway server under target/redis on 127.0.0.1:56379 (no persistence),
#      installing Debian's `redis-server` package first when it is missing.
# Everything else goes to stderr, so `REDIS_URL=$(tests/scripts/ensure-redis.sh)` works.
# DIXIE_TEST_REDIS_THROWAWAY=1 skips step 2.
set -euo pipefail
log() { echo "ensure-redis: $*" >&2; }

if [ -n "${REDIS_URL:-}" ]; then
  echo "$REDIS_URL"; exit 0
fi

pong() { # port
  local reply
  reply=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'PING\r\n' >&3 && head -c 7 <&3" 2>/dev/null) || return 1
  [[ $reply == +PONG* ]]
}

if [ "${DIXIE_TEST_REDIS_THROWAWAY:-0}" != 1 ] && pong 6379; then
  log "using the server on 127.0.0.1:6379"
  echo "redis://127.0.0.1:6379"; exit 0
fi

port=56379
if pong "$port"; then
  log "using the throwaway server already on 127.0.0.1:$port"
  echo "redis://127.0.0.1:$port"; exit 0
fi
if ! command -v redis-server >/dev/null; then
  log "no redis-server: installing Debian's redis-server package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq redis-server >&2 || { apt-get update -qq >&2 && apt-get install -y -qq redis-server >&2; }
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${CARGO_TARGET_DIR:-$root/target}/redis"
mkdir -p "$dir"
redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save '' --appendonly no \
  --daemonize yes --logfile "$dir/server.log" --pidfile "$dir/server.pid" >&2
for _ in $(seq 1 50); do pong "$port" && break; sleep 0.1; done
pong "$port" || { log "the throwaway server did not answer; see $dir/server.log"; exit 1; }
log "throwaway server up on 127.0.0.1:$port (stop: redis-cli -p $port shutdown)"
echo "redis://127.0.0.1:$port"
