# Sourced by the scripts that run a pinned Node.js tool: `node_tool NAME` installs
# tests/NAME/package.json + package-lock.json with the machine's Node.js into
# target/tools/NAME (again only when the lock file changed) and prints that directory.
node_tool() {
  local name=$1 root tools
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  tools="$root/target/tools/$name"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "$name: Node.js and npm are needed (Debian: apt-get install nodejs npm)" >&2
    return 1
  fi
  mkdir -p "$tools"
  if ! cmp -s "$root/tests/$name/package-lock.json" "$tools/package-lock.json" || [ ! -d "$tools/node_modules" ]; then
    cp "$root/tests/$name/package.json" "$root/tests/$name/package-lock.json" "$tools/"
    (cd "$tools" && npm ci --no-audit --no-fund --ignore-scripts >&2)
  fi
  echo "$tools"
}
