#!/usr/bin/env bash
# Types openapi/openapi.json (or $SPEC) with openapi-typescript and compiles
# tests/openapi-ts/check.ts (openapi-fetch calls) against them with strict tsc — the web
# client's stack, pinned by tests/openapi-ts/package-lock.json. Fails on any type error.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/tests/scripts/node-tool.sh"
tools=$(node_tool openapi-ts)
work=$(mktemp -d "$tools/check.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$root/tests/openapi-ts/check.ts" "$root/tests/openapi-ts/tsconfig.json" "$work/"
"$tools/node_modules/.bin/openapi-typescript" "${SPEC:-$root/openapi/openapi.json}" \
  --output "$work/dixie.d.ts" >&2
"$tools/node_modules/.bin/tsc" -p "$work/tsconfig.json"
echo "typescript-client: strict tsc compiled the openapi-fetch program"
