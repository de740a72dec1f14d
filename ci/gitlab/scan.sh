#!/usr/bin/env bash
# The job logic of ci/gitlab/authdiff.gitlab-ci.yml, run in the job's working directory:
#
#   scan.sh build   print the path of an authdiff binary: $AUTHDIFF_BIN when set, else build one
#                   from the authdiff checkout this script belongs to (Debian packages through
#                   ci/lib.sh; build directory $AUTHDIFF_BUILD_DIR, default ./.authdiff-build)
#   scan.sh scan    authdiff scan of shard $CI_NODE_INDEX/$CI_NODE_TOTAL (the whole plan when
#                   the job is not parallel) -> authdiff-K.json, authdiff-junit-K.xml, and
#                   authdiff's exit code in authdiff-K.exit. Exit 1 (findings) leaves the job
#                   green so that authdiff-merge runs and gives the verdict; 2 and 3 fail it.
#   scan.sh merge   authdiff merge authdiff-K.json ... -> authdiff-junit.xml, authdiff.md,
#                   authdiff.html (the access matrix, to open from the job's artifacts);
#                   exits with the merge's exit code.
#
# Variables: AUTHDIFF_SPEC, AUTHDIFF_CONFIG (scan: required), AUTHDIFF_BASE_URL, AUTHDIFF_FAIL_ON
# (default low), AUTHDIFF_ARGS (further scan arguments, split like a shell word list, never
# evaluated), AUTHDIFF_BIN (scan and merge: the binary; `build` prints it).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail_on="${AUTHDIFF_FAIL_ON:-low}"

# stop CODE MESSAGE
stop() { local code="$1"; shift; printf 'authdiff: error: %s\n' "$*" >&2; exit "$code"; }

need_bin() {
  [ -n "${AUTHDIFF_BIN:-}" ] || stop 2 "AUTHDIFF_BIN is not set (run: AUTHDIFF_BIN=\$(scan.sh build))"
  [ -x "$AUTHDIFF_BIN" ] || stop 2 "AUTHDIFF_BIN=$AUTHDIFF_BIN is not executable"
}

build() {
  if [ -n "${AUTHDIFF_BIN:-}" ]; then
    need_bin
    printf '%s/%s\n' "$(cd "$(dirname "$AUTHDIFF_BIN")" && pwd)" "$(basename "$AUTHDIFF_BIN")"
    return
  fi
  # shellcheck source=../lib.sh
  source "$here/../lib.sh"
  ensure_packages "${AUTHDIFF_BUILD_PACKAGES[@]}"
  local dir="${AUTHDIFF_BUILD_DIR:-$PWD/.authdiff-build}"
  log "building authdiff from $AUTHDIFF_ROOT in $dir"
  configure_and_build "$dir" -DCMAKE_BUILD_TYPE=Release -DAUTHDIFF_TESTS=OFF \
    -DAUTHDIFF_DEMO_API=OFF >&2
  [ -x "$dir/tester/authdiff" ] || die "the build did not produce $dir/tester/authdiff"
  printf '%s\n' "$dir/tester/authdiff"
}

scan() {
  need_bin
  [ -n "${AUTHDIFF_SPEC:-}" ] || stop 2 "AUTHDIFF_SPEC is not set"
  [ -n "${AUTHDIFF_CONFIG:-}" ] || stop 2 "AUTHDIFF_CONFIG is not set"
  local index="${CI_NODE_INDEX:-1}" total="${CI_NODE_TOTAL:-1}"
  local json="authdiff-$index.json" junit="authdiff-junit-$index.xml" exit_file="authdiff-$index.exit"
  rm -f "$json" "$junit" "$exit_file"

  # AUTHDIFF_ARGS: xargs honours quotes and backslashes like a shell word list but expands
  # nothing ($variables, $(commands), globs stay text); one NUL-ended word per argument.
  local extra=() words
  if [ -n "${AUTHDIFF_ARGS:-}" ] && [ -n "${AUTHDIFF_ARGS//[[:space:]]/}" ]; then
    words="$(mktemp)"
    printf '%s' "$AUTHDIFF_ARGS" | xargs printf '%s\0' >"$words" ||
      { rm -f "$words"; stop 2 "cannot split AUTHDIFF_ARGS (an unmatched quote?): $AUTHDIFF_ARGS"; }
    mapfile -d '' -t extra <"$words"
    rm -f "$words"
  fi

  local cmd=("$AUTHDIFF_BIN" scan --spec "$AUTHDIFF_SPEC" --config "$AUTHDIFF_CONFIG")
  [ -z "${AUTHDIFF_BASE_URL:-}" ] || cmd+=(--base-url "$AUTHDIFF_BASE_URL")
  cmd+=(--fail-on "$fail_on")
  [ "$total" -le 1 ] || cmd+=(--shard "$index/$total")
  cmd+=(--json "$json" --junit "$junit" "${extra[@]}")

  printf '+' >&2; printf ' %q' "${cmd[@]}" >&2; printf '\n' >&2
  local code=0
  "${cmd[@]}" || code=$?
  echo "$code" >"$exit_file"
  case "$code" in
    0) echo "authdiff: shard $index/$total: nothing at or above $fail_on" ;;
    1) echo "authdiff: shard $index/$total: findings at or above $fail_on; authdiff-merge fails the pipeline" ;;
    2) stop 2 "shard $index/$total: bad usage, config or spec (exit 2)" ;;
    3) stop 3 "shard $index/$total: the scan could not conclude (exit 3)" ;;
    *) stop "$code" "shard $index/$total: authdiff ended with exit code $code" ;;
  esac
}

merge() {
  need_bin
  shopt -s nullglob
  local reports=(authdiff-[0-9]*.json) exits=(authdiff-[0-9]*.exit) f code
  [ "${#reports[@]}" -gt 0 ] || stop 3 "no shard reports (authdiff-K.json) from authdiff-scan"
  for f in "${exits[@]}"; do
    code="$(cat "$f")"
    [ -f "${f%.exit}.json" ] || stop 3 "${f%.exit}.json is missing (the shard exited $code)"
    case "$code" in 0 | 1) ;; *) stop 3 "$f: the shard exited $code" ;; esac
  done
  [ "${#exits[@]}" -eq 0 ] || [ "${#exits[@]}" -eq "${#reports[@]}" ] ||
    stop 3 "${#reports[@]} shard reports but ${#exits[@]} exit codes"

  local cmd=("$AUTHDIFF_BIN" merge "${reports[@]}" --junit authdiff-junit.xml
             --markdown authdiff.md --html authdiff.html --fail-on "$fail_on")
  rm -f authdiff-junit.xml authdiff.md authdiff.html
  printf '+' >&2; printf ' %q' "${cmd[@]}" >&2; printf '\n' >&2
  code=0
  "${cmd[@]}" || code=$?
  if [ -s authdiff.md ]; then echo; cat authdiff.md; fi
  exit "$code"
}

case "${1:-}" in
  build) build ;;
  scan) scan ;;
  merge) merge ;;
  *) stop 2 "usage: $0 build|scan|merge" ;;
esac
