#!/usr/bin/env bash
# deps.sh - install what motcua needs to build, test and run, and only what is
# missing, so that a warm machine pays nothing. Used by `make run`, `make check`
# and .ci/run. As root it runs apt-get; otherwise it prints the exact command.
# Extra package names as arguments are installed the same way (the lint tools
# of tests/lint-deploy.sh).
set -euo pipefail

PKGS=(build-essential pkg-config libmicrohttpd-dev libjansson-dev libpq-dev check postgresql
      libssl-dev clang libclang-rt-14-dev curl "$@")

missing=()
for p in "${PKGS[@]}"; do
    # dpkg -s says "install ok installed" only for a fully installed package.
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "motcua: missing packages: ${missing[*]}" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "motcua: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
