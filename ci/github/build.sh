#!/usr/bin/env bash
# Build step of the authdiff GitHub Action (ci/github/action.yml); also usable from a plain
# `run:` step of a workflow that checked out authdiff. Prints nothing on stdout.
#
#   build.sh key   writes `key=` and `dir=` to $GITHUB_OUTPUT: the Actions-cache key of an
#                  authdiff built from this checkout (OS, runner image, architecture, version,
#                  a hash of the sources) and the folder the binary is cached in (both empty
#                  when AUTHDIFF_USE_CACHE is not `true`). The action restores that folder
#                  before `build.sh` and saves it after a source build.
#   build.sh       writes `bin=` (absolute path) and `origin=` to $GITHUB_OUTPUT (or prints them
#                  on stderr when GITHUB_OUTPUT is not set). The binary, in this order:
#     input   AUTHDIFF_BIN set (the action's `authdiff` input): that binary, nothing built;
#     cache   AUTHDIFF_CACHE_DIR holds a binary built earlier for the same key (restored from
#             the Actions cache) that runs: that one, nothing built;
#     deb     AUTHDIFF_DEB set (the `deb` input: a path, or an https URL such as a release
#             asset): the package is unpacked under $RUNNER_TEMP (dpkg -x) and the Debian
#             packages its Depends names are installed; the binary inside is used;
#     source  otherwise: install the packages the build needs (ci/lib.sh, via sudo on a hosted
#             runner) and build a Release authdiff from this checkout; with AUTHDIFF_CACHE_DIR
#             set, the binary is copied there for the action to cache.
# A cached or packaged binary whose shared libraries are missing on this runner gets them from
# the same Debian/Ubuntu packages a source build installs.
set -euo pipefail

here="${GITHUB_ACTION_PATH:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
# shellcheck source=../lib.sh
source "$here/../lib.sh"

emit() {  # emit NAME VALUE: a step output
  if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "$1=$2" >>"$GITHUB_OUTPUT"; else echo "authdiff $1: $2" >&2; fi
}

# The cache key: what makes two builds interchangeable.
if [ "${1:-}" = key ]; then
  if [ "${AUTHDIFF_USE_CACHE:-true}" != true ]; then  # the action's cache input is not 'true'
    emit key ""
    emit dir ""
    exit 0
  fi
  version=$(sed -n 's/^project(authdiff VERSION \([0-9.]*\).*/\1/p' "$AUTHDIFF_ROOT/CMakeLists.txt")
  sources=$(cd "$AUTHDIFF_ROOT" && find CMakeLists.txt tester corpus/mutations corpus/exposures.txt \
              corpus/weak-passwords.txt -type f | LC_ALL=C sort | xargs sha256sum | sha256sum)
  # The runner image and its version (GitHub sets ImageOS and ImageVersion): a new image may
  # bring other library versions, and a binary that no longer runs must not hold the key.
  image="${ImageOS:-$(. /etc/os-release 2>/dev/null && echo "${ID:-linux}${VERSION_ID:-}")}"
  [ -z "${ImageVersion:-}" ] || image="$image-$ImageVersion"
  key="authdiff-${RUNNER_OS:-Linux}-${image}-${RUNNER_ARCH:-$(uname -m)}-${version}-${sources:0:16}"
  emit key "$key"
  emit dir "${AUTHDIFF_ACTION_CACHE:-$HOME/.cache/authdiff-action}/$key"
  exit 0
fi
[ $# -eq 0 ] || die "usage: build.sh [key]"

# runs BIN: the binary starts and says it is authdiff.
runs() { "$1" --version 2>/dev/null | grep -q '^authdiff '; }

# with_libraries BIN: when shared libraries of BIN are missing, install the -dev packages that
# bring them (their runtime package names differ between releases: libre2-9, libre2-10), not
# the whole toolchain.
with_libraries() {
  local missing=() lib
  while read -r lib; do
    case "$lib" in
      libcurl*) missing+=(libcurl4-openssl-dev) ;;
      libyaml*) missing+=(libyaml-dev) ;;
      libfmt*) missing+=(libfmt-dev) ;;
      libre2*) missing+=(libre2-dev) ;;
      libtomlplusplus*) missing+=(libtomlplusplus-dev) ;;
      *) missing+=("$lib") ;;  # not one of ours: ensure_packages will say it has no such package
    esac
  done < <(ldd "$1" 2>/dev/null | awk '/not found/ {print $1}')
  [ ${#missing[@]} -eq 0 ] && return 0
  log "shared libraries of $1 are missing: installing ${missing[*]}"
  ensure_packages "${missing[@]}"
}

bin="${AUTHDIFF_BIN:-}" origin=""
cached="${AUTHDIFF_CACHE_DIR:+$AUTHDIFF_CACHE_DIR/authdiff}"
temp="${RUNNER_TEMP:-$(mktemp -d "${TMPDIR:-/tmp}/authdiff-build.XXXXXX")}"

if [ -n "$bin" ]; then
  if [ ! -f "$bin" ] && [[ "$bin" != */* ]] && command -v "$bin" >/dev/null; then
    bin="$(command -v "$bin")"            # a command name on PATH
  fi
  if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
    echo "::error title=authdiff::the authdiff input '$bin' is not an executable file" >&2
    exit 2
  fi
  bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  origin=input
elif [ -n "$cached" ] && [ -x "$cached" ]; then
  with_libraries "$cached"
  if runs "$cached"; then
    bin="$cached" origin=cache
  else
    log "the cached $cached does not run: building from source"
  fi
fi

if [ -z "$origin" ] && [ -n "${AUTHDIFF_DEB:-}" ]; then
  deb="$AUTHDIFF_DEB"
  if [[ "$deb" == https://* ]]; then
    log "downloading $deb"
    curl -fsSL --retry 3 -o "$temp/authdiff.deb" "$deb" || die "cannot download $deb"
    deb="$temp/authdiff.deb"
  fi
  [ -f "$deb" ] || die "the deb input $deb is not a file"
  # Its Depends, without versions or alternatives: the packages to install. A package built
  # for another release names libraries this one does not have: then the source build it is.
  mapfile -t depends < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/ //g' | grep .)
  rm -rf "$temp/authdiff-deb"
  if [ ${#depends[@]} -gt 0 ] && ! (ensure_packages "${depends[@]}"); then
    echo "::warning title=authdiff::$deb needs ${depends[*]}, not all installable here (a package for another release?): building from source" >&2
  elif ! dpkg -x "$deb" "$temp/authdiff-deb"; then
    echo "::warning title=authdiff::dpkg -x $deb failed: building from source" >&2
  elif ! runs "$temp/authdiff-deb/usr/bin/authdiff"; then
    echo "::warning title=authdiff::the authdiff in $deb does not run here: building from source" >&2
  else
    bin="$temp/authdiff-deb/usr/bin/authdiff" origin=deb
  fi
fi

if [ -z "$origin" ]; then
  ensure_packages "${AUTHDIFF_BUILD_PACKAGES[@]}"
  dir="$temp/authdiff-build"
  log "building authdiff from $AUTHDIFF_ROOT in $dir"
  configure_and_build "$dir" -DCMAKE_BUILD_TYPE=Release -DAUTHDIFF_TESTS=OFF \
    -DAUTHDIFF_DEMO_API=OFF >&2
  bin="$dir/tester/authdiff"
  [ -x "$bin" ] || die "the build did not produce $bin"
  if [ -n "$cached" ]; then
    mkdir -p "$AUTHDIFF_CACHE_DIR"
    cp "$bin" "$cached"
    bin="$cached"
  fi
  origin=source
fi

if [ "$origin" = input ]; then
  log "authdiff (input): $bin"
else
  log "authdiff ($origin): $bin: $("$bin" --version 2>/dev/null || echo '?')"
fi
emit bin "$bin"
emit origin "$origin"
