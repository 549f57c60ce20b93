#!/usr/bin/env bash
# Prints a NATS URL (JetStream enabled) the test suite may use; the tests share the
# DIXIE_SIGNALS stream and tell their own signals apart by wallet.
#   1. $NATS_URL when set;
#   2. else a server with JetStream answering on 127.0.0.1:4222;
#   3. else a throwaway server under target/nats on 127.0.0.1:54222 (JetStream, its own store
#      directory), installing Debian's `nats-server` package first when it is missing.
# Everything else goes to stderr, so `NATS_URL=$(tests/scripts/ensure-nats.sh)` works.
# DIXIE_TEST_NATS_THROWAWAY=1 skips step 2.
set -euo pipefail
log() { echo "ensure-nats: $*" >&2; }

if [ -n "${NATS_URL:-}" ]; then
  echo "$NATS_URL"; exit 0
fi

jetstream() { # port: the server's INFO line says JetStream is on
  local info
  info=$(timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && head -n 1 <&3" 2>/dev/null) || return 1
  [[ $info == INFO* && $info == *'"jetstream":true'* ]]
}

if [ "${DIXIE_TEST_NATS_THROWAWAY:-0}" != 1 ] && jetstream 4222; then
  log "using the server on 127.0.0.1:4222"
  echo "nats://127.0.0.1:4222"; exit 0
fi

port=54222
if jetstream "$port"; then
  log "using the throwaway server already on 127.0.0.1:$port"
  echo "nats://127.0.0.1:$port"; exit 0
fi
if ! command -v nats-server >/dev/null; then
  log "no nats-server: installing Debian's nats-server package"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq nats-server >&2 || { apt-get update -qq >&2 && apt-get install -y -qq nats-server >&2; }
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${CARGO_TARGET_DIR:-$root/target}/nats"
mkdir -p "$dir/store"
PATH="$PATH:/usr/sbin" nohup nats-server -a 127.0.0.1 -p "$port" -js -sd "$dir/store" \
  -l "$dir/server.log" -P "$dir/server.pid" >/dev/null 2>&1 &
for _ in $(seq 1 50); do jetstream "$port" && break; sleep 0.1; done
jetstream "$port" || { log "the throwaway server did not answer; see $dir/server.log"; exit 1; }
log "throwaway server up on 127.0.0.1:$port (stop: kill \$(cat $dir/server.pid))"
echo "nats://127.0.0.1:$port"
