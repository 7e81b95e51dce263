#!/usr/bin/env bash
# Makes sure everything brisk builds and tests with is installed.
# Debian/Ubuntu: installs what is missing when run as root, otherwise prints the exact apt-get line.
# macOS is not supported yet (brisk is Linux only); there it says so, with the brew line a port
# would start from.
# Then installs the npm packages the docs pages embed (docs-ui/, `npm ci`) when they are missing
# or older than docs-ui/package-lock.json; without them the build links a CDN instead (a warning).
# Beyond `build`, also the npm tools the tests run (tests/tools/: Redocly's OpenAPI linter).
# Usage: scripts/deps.sh [build|test|bench|fuzz]   (test includes build; bench and fuzz include test)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

level=${1:-test}
build_pkgs=(cmake make gcc pkg-config libuv1-dev node-llhttp libboost-context-dev libjansson-dev
    libpq-dev libcurl4-openssl-dev libsqlite3-dev libpcre2-dev zlib1g-dev npm)
# chromium: tests/http/test_docs.py renders /docs and /redoc in it, headless.
test_pkgs=(python3 python3-pytest curl valgrind util-linux wrk postgresql chromium)
bench_pkgs=(nginx python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-asyncpg
    python3-jinja2 python3-ujson)
fuzz_pkgs=(clang libclang-rt-dev)
brew_pkgs="cmake pkg-config libuv llhttp boost jansson sqlite curl libpq postgresql node pcre2 zlib"

wanted=("${build_pkgs[@]}")
case "$level" in
build) ;;
test) wanted+=("${test_pkgs[@]}") ;;
bench) wanted+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
fuzz) wanted+=("${test_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
*) echo "usage: $0 [build|test|bench|fuzz]" >&2; exit 2 ;;
esac

if [[ "$(uname -s)" == Darwin ]]; then
    echo "brisk: macOS is not supported yet (Linux only: Linux socket flags, /proc in the tests)." >&2
    if ! pkg-config --exists libuv jansson 2>/dev/null || ! command -v cmake >/dev/null; then
        echo "A port would start from: brew install $brew_pkgs && python3 -m pip install pytest" >&2
        exit 1
    fi
    exit 0
fi

if ! command -v dpkg-query >/dev/null; then
    echo "brisk: not a Debian system; install the equivalents of: ${wanted[*]}" >&2
    exit 1
fi

# Installed: the Debian package, or for npm any npm on PATH. A Node.js from elsewhere (such as
# NodeSource's nodejs package) brings its own npm and conflicts with Debian's.
installed() {
    [[ $1 == npm ]] && command -v npm >/dev/null && return 0
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# docs-ui/node_modules, as docs-ui/package-lock.json says (npm ci writes its own copy of the lock
# there last: older than the lock means stale). Peer dependencies are left out: only the
# packages' prebuilt bundles are used. A failure (no registry) warns: the build then embeds
# nothing and the docs pages load Swagger UI and ReDoc from FastAPI's CDN.
docs_ui() {
    local dir=$root/docs-ui
    [[ -f $dir/node_modules/.package-lock.json && ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]] && return 0
    echo "brisk: installing the docs pages' npm packages (npm ci in docs-ui/)" >&2
    if ! (cd "$dir" && npm ci --omit=peer --no-audit --no-fund --loglevel=error >&2); then
        echo "brisk: warning: npm ci in docs-ui/ failed: /docs and /redoc will load Swagger UI and ReDoc from the CDN" >&2
    fi
}

# tests/tools/node_modules: what the tests run from npm (Redocly's OpenAPI linter), as
# tests/tools/package-lock.json says; refreshed like docs-ui's. A failure warns: the tests that
# need it then fail, saying why.
test_tools() {
    local dir=$root/tests/tools
    [[ -f $dir/node_modules/.package-lock.json && ! $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]] && return 0
    echo "brisk: installing the tests' npm tools (npm ci in tests/tools/)" >&2
    if ! (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2); then
        echo "brisk: warning: npm ci in tests/tools/ failed: tests/http/test_openapi.py cannot lint the OpenAPI documents" >&2
    fi
}

missing=()
for p in "${wanted[@]}"; do
    installed "$p" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "brisk: missing packages. Run:" >&2
        echo "  sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "brisk: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2 || true
    apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
docs_ui
[[ $level == build ]] || test_tools
