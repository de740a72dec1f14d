#!/usr/bin/env bash
# The Debian package, installed and used like a user would (ci/test runs this after ci/package):
#   tests/install/test_package.sh DEB DEMO_API
# 1. the package: name, version, Depends (from dpkg-shlibdeps: libcurl among them), its files;
# 2. `dpkg -i` (dpkg checks the Depends against this machine), or, where an authdiff package is
#    installed already, `dpkg -x` into a temporary root so the machine's one is left alone;
# 3. from the installed copy: `authdiff --version` names this checkout's version and commit, the
#    man page has every subcommand, and a scan of the demo API (started on a free loopback
#    port) with the installed example spec and config finds its flaws (exit 1, JUnit written);
#    The GitHub Action's build step, given the package as its `deb` input, unpacks and uses it.
# 4. `dpkg -r` removes it again, binary and man page gone.
set -euo pipefail
source "$(dirname "$0")/../../ci/lib.sh"
deb="${1:?usage: test_package.sh DEB DEMO_API}" demo_api="${2:?usage: test_package.sh DEB DEMO_API}"
[ -f "$deb" ] || die "$deb: no such package"
fail() { printf 'FAILED: %s\n' "$*" >&2; exit 1; }

# 1. What the package says of itself.
[ "$(dpkg-deb -f "$deb" Package)" = authdiff ] || fail "package name"
version=$(sed -n 's/^project(authdiff VERSION \([0-9.]*\).*/\1/p' "$AUTHDIFF_ROOT/CMakeLists.txt")
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "version $(dpkg-deb -f "$deb" Version) != $version"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libcurl4 libyaml-0-2 libstdc++6 libc6; do
  [[ "$depends" == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
done
files=$(dpkg-deb -c "$deb")
for f in ./usr/bin/authdiff ./usr/share/man/man1/authdiff.1.gz \
         ./usr/share/authdiff/corpus/mutations/ids.txt ./usr/share/authdiff/examples/canteen.yaml \
         ./usr/share/authdiff/ci/gitlab/scan.sh ./usr/share/authdiff/ci/lib.sh \
         ./usr/share/doc/authdiff/README.md; do
  grep -q " $f\$" <<<"$files" || fail "the package lacks $f"
done
echo "package: authdiff $version, Depends: $depends"

# 2. Install it.
root="" tmp=$(mktemp -d)
cleanup() {
  stop_servers
  if [ -z "$root" ] && dpkg-query -W -f='${Status}' authdiff 2>/dev/null | grep -q "ok installed"; then
    as_root dpkg -r authdiff >/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
if dpkg-query -W -f='${Status}' authdiff 2>/dev/null | grep -q "ok installed"; then
  root="$tmp/root"
  echo "an authdiff package is installed already: extracting into $root instead of dpkg -i"
  dpkg -x "$deb" "$root"
else
  as_root dpkg -i "$deb" >/dev/null || fail "dpkg -i $deb"
  echo "installed with dpkg -i"
fi
bin="$root/usr/bin/authdiff" share="$root/usr/share"
[ -x "$bin" ] || fail "$bin is not installed"

# 3. Use the installed copy.
out=$("$bin" --version)
commit=unknown
if git -C "$AUTHDIFF_ROOT" rev-parse HEAD >/dev/null 2>&1; then
  commit=$(git -C "$AUTHDIFF_ROOT" rev-parse --short=12 HEAD)
fi
[[ "$out" == "authdiff $version (commit $commit"* ]] || fail "--version says '$out', not version $version commit $commit"
echo "$bin --version: $out"
man_page=$(gzip -dc "$share/man/man1/authdiff.1.gz")
for sub in plan scan recheck learn infer init merge audit checks tamper; do
  grep -q "^\.SS \"authdiff $sub\"" <<<"$man_page" || fail "the man page has no section for $sub"
done
grep -q -- '--html' <<<"$man_page" || fail "the man page does not describe --html"
echo "man page: $(grep -c '^\.SS' <<<"$man_page") subcommand sections"

start_server api "$demo_api" --port 0
trap cleanup EXIT  # start_server set its own EXIT trap; cleanup stops the servers too
sed "s|^base_url = .*|base_url = \"$api\"|" "$share/authdiff/examples/canteen.login.authdiff.toml" \
  >"$tmp/canteen.toml"
export CANTEEN_ADMIN_PASSWORD='Admin@2024' CANTEEN_OPERATOR_PASSWORD='Op@2024'
export CANTEEN_ZHANGWEI_PASSWORD='Emp@2024' CANTEEN_LINA_PASSWORD='Emp@2024'
code=0
"$bin" scan --spec "$share/authdiff/examples/canteen.yaml" --config "$tmp/canteen.toml" -q \
  --timeout 120 --rate 1000 --junit "$tmp/junit.xml" --html "$tmp/report.html" \
  >"$tmp/scan.out" 2>&1 || code=$?
[ "$code" -eq 1 ] || { cat "$tmp/scan.out" >&2; fail "the installed authdiff's scan of the demo exited $code, not 1"; }
xmllint --noout "$tmp/junit.xml" || fail "junit.xml is not XML"
failures=$(grep -c '<failure' "$tmp/junit.xml" || true)
[ "$failures" -gt 0 ] || fail "no failures in the installed authdiff's JUnit report"
[ -s "$tmp/report.html" ] || fail "no HTML report"
echo "scan of the demo from $bin: exit 1, $failures JUnit failures ($(head -n 1 "$tmp/scan.out"))"

# The GitHub Action's build step given this package (its `deb` input): unpacked, not compiled.
mkdir -p "$tmp/runner"
: >"$tmp/runner/output"
env -u AUTHDIFF_BIN -u AUTHDIFF_CACHE_DIR AUTHDIFF_DEB="$deb" RUNNER_TEMP="$tmp/runner" \
  GITHUB_OUTPUT="$tmp/runner/output" bash "$AUTHDIFF_ROOT/ci/github/build.sh" 2>"$tmp/build.err" ||
  { cat "$tmp/build.err" >&2; fail "ci/github/build.sh with AUTHDIFF_DEB failed"; }
grep -qx "origin=deb" "$tmp/runner/output" || { cat "$tmp/build.err" >&2; fail "build.sh did not use the package"; }
action_bin=$(sed -n 's/^bin=//p' "$tmp/runner/output")
[ "$("$action_bin" --version)" = "$out" ] || fail "the Action's unpacked authdiff says $("$action_bin" --version)"
echo "the Action's build step with deb: $action_bin"

# 4. Remove it.
if [ -z "$root" ]; then
  as_root dpkg -r authdiff >/dev/null || fail "dpkg -r authdiff"
  [ ! -e /usr/bin/authdiff ] && [ ! -e /usr/share/man/man1/authdiff.1.gz ] ||
    fail "dpkg -r left files behind"
  echo "removed with dpkg -r"
fi
echo "package test passed"
