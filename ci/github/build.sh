#!/usr/bin/env bash
# Build step of the authdiff GitHub Action (ci/github/action.yml); also usable from a plain
# `run:` step of a workflow that checked out authdiff. Prints nothing on stdout.
#
# AUTHDIFF_BIN set (the action's `authdiff` input): use that binary, build nothing.
# Otherwise: install the Debian/Ubuntu packages the build needs (ci/lib.sh, via sudo on a
# hosted runner) and build a Release authdiff from the checkout this script lives in, under
# $RUNNER_TEMP (a fresh temporary directory outside Actions).
#
# Writes `bin=<absolute path of the binary>` to $GITHUB_OUTPUT (or prints the path on stderr
# when GITHUB_OUTPUT is not set).
set -euo pipefail

here="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
bin="${AUTHDIFF_BIN:-}"

if [ -n "$bin" ]; then
  if [ ! -f "$bin" ] && [[ "$bin" != */* ]] && command -v "$bin" >/dev/null; then
    bin="$(command -v "$bin")"            # a command name on PATH
  fi
  if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
    echo "::error title=authdiff::the authdiff input '$bin' is not an executable file" >&2
    exit 2
  fi
  bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  echo "authdiff: using $bin" >&2
else
  # shellcheck source=../lib.sh
  source "$here/../lib.sh"
  ensure_packages "${AUTHDIFF_BUILD_PACKAGES[@]}"
  if [ -n "${RUNNER_TEMP:-}" ]; then
    dir="$RUNNER_TEMP/authdiff-build"
  else
    dir="$(mktemp -d "${TMPDIR:-/tmp}/authdiff-build.XXXXXX")"
  fi
  log "building authdiff from $AUTHDIFF_ROOT in $dir"
  configure_and_build "$dir" -DCMAKE_BUILD_TYPE=Release -DAUTHDIFF_TESTS=OFF \
    -DAUTHDIFF_DEMO_API=OFF >&2
  bin="$dir/tester/authdiff"
  [ -x "$bin" ] || die "the build did not produce $bin"
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "bin=$bin" >>"$GITHUB_OUTPUT"
else
  echo "authdiff binary: $bin" >&2
fi
