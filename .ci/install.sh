#!/usr/bin/env bash
# Installs what Estate Desk needs on a fresh Debian machine: system packages (when root and
# missing) and the pinned Python packages. Safe to run again.
#   bash .ci/install.sh           the app: Pango for WeasyPrint, HarfBuzz's subsetter (a Chinese
#                                 PDF page in 0.2 s instead of 8 s)
#   bash .ci/install.sh --tests   also Chromium (browser tests), a small Chinese screen font and
#                                 redis-server (a test runs the login limit on a real Redis)
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
dpkg -s libpango-1.0-0 >/dev/null 2>&1 || need+=(libpango-1.0-0 libpangoft2-1.0-0)  # WeasyPrint
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)        # fast CJK PDF fonts
if [[ ${1:-} == --tests ]]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)                        # Playwright's browser
  dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || need+=(fonts-wqy-microhei)      # Chinese in screenshots
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)                # login limit shared by workers
fi
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
if [[ ${1:-} == --tests ]]; then
  # the security checks of .ci/run (not needed by the app itself)
  python -m pip install -q --disable-pip-version-check bandit==1.9.4 pip-audit==2.10.1
fi
