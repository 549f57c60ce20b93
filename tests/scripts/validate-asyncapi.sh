#!/usr/bin/env bash
# Validates openapi/asyncapi.yaml with the official AsyncAPI parser (@asyncapi/parser, pinned
# by tests/asyncapi/package-lock.json), installed with the machine's Node.js into
# target/tools/asyncapi on first use. Prints the document's operations and messages.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/target/tools/asyncapi"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "validate-asyncapi: Node.js and npm are needed (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
mkdir -p "$tools"
if ! cmp -s "$root/tests/asyncapi/package-lock.json" "$tools/package-lock.json" || [ ! -d "$tools/node_modules" ]; then
  cp "$root/tests/asyncapi/package.json" "$root/tests/asyncapi/package-lock.json" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi
cp "$root/tests/asyncapi/validate.mjs" "$tools/"
node "$tools/validate.mjs" "${1:-$root/openapi/asyncapi.yaml}"
