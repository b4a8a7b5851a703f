#!/usr/bin/env bash
# Installs the Debian packages Gongyi needs, or says exactly which to install when not root.
# Usage: scripts/system-deps.sh [extra-package ...]
set -euo pipefail

need=()
python3 -c "import ensurepip, venv" 2>/dev/null || need+=(python3-venv)
command -v msgfmt >/dev/null || need+=(gettext)
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi "WenQuanYi Micro Hei" || need+=(fonts-wqy-microhei)
# WeasyPrint subsets fonts with HarfBuzz when it has it (about 1 s less per chunk of printed ballots), else slowly.
ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || need+=(libharfbuzz-subset0)
for pkg in "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done

((${#need[@]})) || exit 0
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
else
  echo "Gongyi needs these system packages: ${need[*]}" >&2
  echo "Install them as root, then run make again:  sudo apt-get install ${need[*]}" >&2
  exit 1
fi
