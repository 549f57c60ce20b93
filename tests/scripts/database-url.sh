#!/usr/bin/env bash
# database-url.sh SERVER_URL DATABASE: SERVER_URL with its database replaced by DATABASE;
# user, password, host, port and parameters (sslmode, …) stay as they are.
set -euo pipefail
python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$1" "$2"
