#!/usr/bin/env bash
# Debian packages the tests use as real components (public-inbox for the lore path, the 6.12
# kernel source for tree mode; Coccinelle's spatch, the path engine of tree mode; PostgreSQL,
# Redis and Chromium for the service tests).
# Idempotent; needs root (or sudo) and Debian's package mirror.
set -euo pipefail
PKGS=(git public-inbox linux-source-6.12 coccinelle postgresql redis-server chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
