#!/usr/bin/env bash
# Validates openapi/asyncapi.yaml with the official AsyncAPI parser (@asyncapi/parser, pinned
# by tests/asyncapi/package-lock.json), installed with the machine's Node.js into
# target/tools/asyncapi on first use. Prints the document's operations and messages.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/tests/scripts/node-tool.sh"
tools=$(node_tool asyncapi)
cp "$root/tests/asyncapi/validate.mjs" "$tools/"
node "$tools/validate.mjs" "${1:-$root/openapi/asyncapi.yaml}"
