#!/usr/bin/env bash
# Installs Debian's headless Chromium (/usr/bin/chromium) for the HTML report's browser test.
# Idempotent: does nothing when it is already there. Runs as root (apt-get).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
