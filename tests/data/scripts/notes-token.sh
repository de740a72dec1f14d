#!/bin/sh
# A stand-in for an SSO helper: signs USER in at $NOTES_URL and prints an Authorization header.
# Used by tests/e2e/test_auth.cpp as an identity's `command`.
set -eu
answer=$(curl -s --noproxy '*' -X POST "$NOTES_URL/login" -H 'Content-Type: application/json' \
  -d "{\"username\": \"$1\", \"password\": \"$2\"}")
token=$(printf '%s' "$answer" | sed -n 's/.*"access":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || { echo "notes-token.sh: no token in: $answer" >&2; exit 1; }
printf 'Authorization: Bearer %s\n' "$token"
