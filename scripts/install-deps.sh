#!/usr/bin/env bash
# Install everything shipit's demo and test suite need on a fresh Debian 12 machine (run as root).
#   scripts/install-deps.sh          apt + pip (+ npm) for the tests
#   scripts/install-deps.sh --demo   only what `make demo` needs
set -euo pipefail
cd "$(dirname "$0")/.."

MODE="${1:---test}"
PYTHON="${PYTHON:-python3}"

# Debian packages: container engines, registry, databases, Prometheus tools, browser; python3-venv and
# libkrb5-dev for the corpus projects' own virtualenvs (tests/projects: one builds gssapi).
APT_DEMO=(git debootstrap busybox-static skopeo umoci sqlite3 openssl)
APT_TEST=(podman buildah skopeo umoci runc crun fuse-overlayfs slirp4netns uidmap busybox-static
          docker-registry debootstrap apache2-utils postgresql prometheus prometheus-alertmanager
          chromium sqlite3 git openssl nodejs npm python3-venv libkrb5-dev)
if [ "$MODE" = "--demo" ]; then PKGS=("${APT_DEMO[@]}"); else PKGS=("${APT_TEST[@]}"); fi

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# pip itself: Debian's python3 comes without it.
"$PYTHON" -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
# node/npm may come from elsewhere than Debian's packages; only install them if absent.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian 12 marks its own python3 "externally managed"; as root we install beside it on purpose (point
# PYTHON at a virtual environment's interpreter to keep them apart). Other Pythons ignore this setting.
export PIP_BREAK_SYSTEM_PACKAGES=1
if [ "$MODE" = "--demo" ]; then
  "$PYTHON" -m pip install -q --disable-pip-version-check -e ".[all]"
else
  "$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]"
  if [ -f tests/node/package.json ]; then
    # puppeteer-core drives the system Chromium: never download a browser
    (cd tests/node && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --silent)
  fi
fi
