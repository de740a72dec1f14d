#!/usr/bin/env bash
# ci/lib.sh start_server: waits until the server answers, gives its URL, and stops it when the
# script ends: normally, on failure, and when the server never comes up.
#   test_start_server.sh SOURCE_DIR DEMO_API_BINARY
set -uo pipefail
source "$1/ci/lib.sh"
demo="$2"
pidfile=$(mktemp "${TMPDIR:-/tmp}/authdiff-start-server.XXXXXX")  # unique: tests run side by side
trap 'rm -f "$pidfile"' EXIT
passed=0 failed=0
check() { if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $*"; fi; }
stopped() { ! kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# 1. Normal end: the server answered while the script ran and is gone after it.
(
  set -e
  start_server url "$demo" --port 0
  echo "${AUTHDIFF_SERVER_PIDS[0]}" >"$pidfile"
  curl -sf --noproxy '*' "$url/api/menu" >/dev/null
)
check test $? -eq 0
check stopped

# 2. The script fails after starting the server: still stopped.
(
  set -e
  start_server url "$demo" --port 0
  echo "${AUTHDIFF_SERVER_PIDS[0]}" >"$pidfile"
  false
)
check test $? -ne 0
check stopped

# 3. A program that never listens: a clear error, not a hang.
out=$( (start_server url /bin/true) 2>&1 )
check test $? -ne 0
check grep -q "exited before it listened" <<<"$out"

rm -f "$pidfile"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
