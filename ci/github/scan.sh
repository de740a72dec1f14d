#!/usr/bin/env bash
# Scan step of the authdiff GitHub Action (ci/github/action.yml).
#
# The action's inputs arrive as environment variables, never pasted into this script:
#   AUTHDIFF_BIN         the binary (the build step's `bin` output)        required
#   AUTHDIFF_SPEC        OpenAPI description                                required
#   AUTHDIFF_CONFIG      authdiff TOML config                               required
#   AUTHDIFF_BASE_URL    --base-url (empty: the config's target.base_url)
#   AUTHDIFF_FAIL_ON     --fail-on (empty: low)
#   AUTHDIFF_SHARD       --shard K/N (empty: the whole plan)
#   AUTHDIFF_BASELINE    --baseline FILE (empty: none)
#   AUTHDIFF_ARGS        further arguments, split like a shell word list ('quotes' and
#                        "quotes" group, a backslash escapes) but never evaluated
#   AUTHDIFF_OUTPUT_DIR  where the reports go (empty: authdiff-report)
#
# authdiff's own exit code does not fail this step: it is written to $GITHUB_OUTPUT as
# `exit-code` (with the report paths and the counts) so that SARIF and artifacts can be
# uploaded before the action's last step fails the job with that code. The step fails by
# itself only when it cannot run authdiff at all.
set -euo pipefail

fail() { echo "::error title=authdiff::$*" >&2; exit 2; }

[ -n "${AUTHDIFF_BIN:-}" ] || fail "no authdiff binary (the build step did not set one)"
[ -x "$AUTHDIFF_BIN" ] || fail "authdiff binary $AUTHDIFF_BIN is not executable"
[ -n "${AUTHDIFF_SPEC:-}" ] || fail "the spec input is required"
[ -n "${AUTHDIFF_CONFIG:-}" ] || fail "the config input is required"
fail_on="${AUTHDIFF_FAIL_ON:-low}"

# Extra arguments: xargs splits on blanks and honours quotes and backslashes like a shell word
# list, without expanding $variables, $(commands) or globs; printf writes one NUL-ended word
# per argument.
extra=()
if [ -n "${AUTHDIFF_ARGS:-}" ] && [ -n "${AUTHDIFF_ARGS//[[:space:]]/}" ]; then
  words="$(mktemp)"
  printf '%s' "$AUTHDIFF_ARGS" | xargs printf '%s\0' >"$words" ||
    { rm -f "$words"; fail "cannot split the args input (an unmatched quote?): $AUTHDIFF_ARGS"; }
  mapfile -d '' -t extra <"$words"
  rm -f "$words"
fi

out="${AUTHDIFF_OUTPUT_DIR:-authdiff-report}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
junit="$out/junit.xml" json="$out/report.json" sarif="$out/report.sarif" md="$out/summary.md"
html="$out/report.html"
rm -f "$junit" "$json" "$sarif" "$md" "$html"  # an earlier run's reports must not pass for this one's

cmd=("$AUTHDIFF_BIN" scan --spec "$AUTHDIFF_SPEC" --config "$AUTHDIFF_CONFIG")
[ -z "${AUTHDIFF_BASE_URL:-}" ] || cmd+=(--base-url "$AUTHDIFF_BASE_URL")
cmd+=(--fail-on "$fail_on")
[ -z "${AUTHDIFF_SHARD:-}" ] || cmd+=(--shard "$AUTHDIFF_SHARD")
[ -z "${AUTHDIFF_BASELINE:-}" ] || cmd+=(--baseline "$AUTHDIFF_BASELINE")
cmd+=(--junit "$junit" --json "$json" --sarif "$sarif" --markdown "$md" --html "$html" "${extra[@]}")

printf '+' >&2; printf ' %q' "${cmd[@]}" >&2; printf '\n' >&2
set +e
"${cmd[@]}"
code=$?
set -e

# summary_count KEY: summary.KEY of the JSON report; 0 when there is no report.
summary_count() {
  local n=""
  [ -s "$json" ] || { echo 0; return; }
  if command -v python3 >/dev/null; then
    n="$(python3 -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["summary"][sys.argv[2]]))' \
         "$json" "$1" 2>/dev/null)" || n=""
  fi
  if [ -z "$n" ]; then   # no python3: the first number under that key (summary precedes the rest)
    n="$(grep -o "\"$1\"[[:space:]]*:[[:space:]]*[0-9][0-9]*" "$json" | head -n 1 | grep -o '[0-9]*$')" || n=""
  fi
  echo "${n:-0}"
}
findings="$(summary_count findings)"
failing="$(summary_count failing)"

# only_if_written FILE: FILE when this run wrote it, else nothing.
only_if_written() { if [ -s "$1" ]; then printf '%s' "$1"; fi; }

{
  echo "exit-code=$code"
  echo "findings=$findings"
  echo "failing=$failing"
  echo "junit=$(only_if_written "$junit")"
  echo "json=$(only_if_written "$json")"
  echo "sarif=$(only_if_written "$sarif")"
  echo "markdown=$(only_if_written "$md")"
  echo "html=$(only_if_written "$html")"
} >>"${GITHUB_OUTPUT:-/dev/stdout}"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -s "$md" ]; then
    cat "$md" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '## authdiff\n\nauthdiff exited %s before writing its report: see the step log.\n' \
      "$code" >>"$GITHUB_STEP_SUMMARY"
  fi
fi

case "$code" in
  0) echo "::notice title=authdiff::nothing at or above $fail_on ($findings finding(s) in all)" ;;
  1) echo "::error title=authdiff::$failing finding(s) at or above $fail_on ($findings in all): see the job summary and $out" ;;
  2) echo "::error title=authdiff::bad usage, config or spec (exit 2): see the log above" ;;
  3) echo "::error title=authdiff::the scan could not conclude (exit 3): see the log above" ;;
  *) echo "::error title=authdiff::authdiff ended with exit code $code" ;;
esac
exit 0
