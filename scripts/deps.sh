#!/usr/bin/env bash
# Makes sure everything brisk builds and tests with is installed.
# Debian/Ubuntu: installs what is missing when run as root, otherwise prints the exact apt-get line.
# macOS is not supported yet (brisk is Linux only); there it says so, with the brew line a port
# would start from.
# Usage: scripts/deps.sh [build|test|bench|fuzz]   (test includes build; bench and fuzz include test)
set -euo pipefail

level=${1:-test}
build_pkgs=(cmake make gcc pkg-config libuv1-dev node-llhttp libboost-context-dev libjansson-dev
    libpq-dev libcurl4-openssl-dev libsqlite3-dev libpcre2-dev)
test_pkgs=(python3 python3-pytest curl valgrind util-linux wrk postgresql)
bench_pkgs=(nginx python3-fastapi python3-uvicorn python3-uvloop python3-httptools python3-asyncpg
    python3-jinja2 python3-ujson)
fuzz_pkgs=(clang libclang-rt-dev)
brew_pkgs="cmake pkg-config libuv llhttp boost jansson sqlite curl libpq postgresql pcre2"

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
build_pkgs=(cmake make gcc pkg-config libuv1-dev node-llhttp libboost-context-dev libjansson-dev
    libpq-dev libcurl4-openssl-dev libsqlite3-dev)
    exit 1
fi

missing=()
for p in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "brisk: missing packages. Run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "brisk: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2 || true
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
