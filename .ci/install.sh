#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine: system packages (when root
# and missing) and the pinned Python packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)             # browser tests (Playwright)
dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)  # Chinese in screenshots
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)        # fast CJK PDF fonts
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]]; then
    echo "Installing system packages: ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "Missing system packages (run as root or install them): ${need[*]}" >&2
  fi
fi

python -m pip install -q --disable-pip-version-check -r requirements.txt
