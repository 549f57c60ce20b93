# Sourced by the scripts that run a pinned Python tool: `python_tool NAME` installs
# tests/NAME/requirements.txt into a virtualenv at target/tools/NAME (again only when the
# requirements changed) and prints that directory. Needs python3 with venv; on Debian without
# them, installs python3-venv when it can (root).
python_tool() {
  local name=$1 root tools
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  tools="$root/target/tools/$name"
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get install -y -q python3 python3-venv >&2
    else
      echo "$name: python3 with venv is needed (Debian: apt-get install python3-venv)" >&2
      return 1
    fi
  fi
  if ! cmp -s "$root/tests/$name/requirements.txt" "$tools/requirements.txt" || [ ! -x "$tools/bin/python" ]; then
    rm -rf "$tools"
    python3 -m venv "$tools" >&2
    "$tools/bin/pip" install --quiet --disable-pip-version-check -r "$root/tests/$name/requirements.txt" >&2
    cp "$root/tests/$name/requirements.txt" "$tools/requirements.txt"
  fi
  echo "$tools"
}
