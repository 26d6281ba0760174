#!/usr/bin/env bash
# Print the Debian mirror debootstrap should use: $DEBIAN_MIRROR, else the first non-security
# repository this machine's apt is configured with (deb822 .sources files, then sources.list).
set -euo pipefail
if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; exit 0; fi
uri="$(awk 'tolower($1)=="uris:" {for (i=2;i<=NF;i++) print $i}' /etc/apt/sources.list.d/*.sources 2>/dev/null \
       | grep -v -- '-security' | head -n1 || true)"
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
  uri="$(awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' /etc/apt/sources.list \
         | grep -v -- '-security' | head -n1 || true)"
fi
if [ -z "$uri" ]; then
  echo "error: no Debian repository found in apt's configuration; set DEBIAN_MIRROR" >&2
  exit 1
fi
echo "${uri%/}"
