#!/usr/bin/env bash
# Build, once, a local Debian bookworm base image with python3 (from Debian's packages) as an OCI
# image layout directory, for shipit's native image builder. No registry is needed.
#
#   scripts/build-debian-base.sh [OUT_DIR] [REQUIREMENTS.txt]
#
# OUT_DIR defaults to ~/.cache/shipit/bases/debian-bookworm-python3. With REQUIREMENTS.txt, the pinned
# Python packages are installed (pip --target, binary wheels only) into a second layer at
# /usr/local/lib/python3.11/dist-packages (on Debian's python3 path). The result is reused while the
# stamp (this script + the requirements) is unchanged; set FORCE=1 to rebuild.
# Needs root (debootstrap), debootstrap, tar, and a Debian mirror (apt's configured one; DEBIAN_MIRROR to override).
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SELF")/.."
REPO="$PWD"

OUT="${1:-$HOME/.cache/shipit/bases/debian-bookworm-python3}"
REQ="${2:-}"
MIRROR="$("$REPO/scripts/debian-mirror.sh")"
PYTHON="${PYTHON:-python3}"
SDE="${SOURCE_DATE_EPOCH:-1700000000}"

stamp="$( { cat "$SELF"; [ -n "$REQ" ] && cat "$REQ"; echo "$MIRROR $SDE"; } | sha256sum | cut -c1-16)"
if [ -n "$REQ" ] && [ ! -f "$REQ" ]; then echo "error: $REQ: no such requirements file" >&2; exit 1; fi
if [ -z "${FORCE:-}" ] && [ -f "$OUT/oci-layout" ] && [ "$(cat "$OUT.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "base image is cached: $OUT"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: debootstrap needs root (run with sudo)" >&2
  exit 1
fi
command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

work="$(mktemp -d /tmp/shipit-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
echo "debootstrap --variant=minbase bookworm (+ python3) from $MIRROR ..."
debootstrap --variant=minbase --include=python3 bookworm "$work/rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2; echo "error: debootstrap failed (log above)" >&2; exit 1; }

# Trim what a runtime image does not need and what differs per build.
root="$work/rootfs"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/var/log/* "$root"/tmp/* "$root"/root/.cache "$root"/etc/machine-id "$root"/var/cache/ldconfig/aux-cache
find "$root" -name '__pycache__' -type d -prune -exec rm -rf {} +
: >"$root/etc/machine-id"

# GNU tar keeps owners, modes, setuid bits and hardlinks; sorted names and fixed times make it stable.
tar_layer() {  # DIR OUT.tar
  tar --create --file "$2" --directory "$1" --sort=name --numeric-owner --mtime="@$SDE" \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* --exclude=./run/* .
}
tar_layer "$root" "$work/rootfs.tar"
layers=("$work/rootfs.tar")

if [ -n "$REQ" ]; then
  echo "pip install --target (binary wheels) -r $REQ ..."
  site="$work/deps/usr/local/lib/python3.11/dist-packages"
  mkdir -p "$site"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --only-binary=:all: \
      --python-version 3.11 --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 \
      --implementation cp --target "$site" -r "$REQ"
  rm -rf "$site/bin"
  find "$work/deps" -name '__pycache__' -type d -prune -exec rm -rf {} +
  chmod -R u=rwX,go=rX "$work/deps"
  tar_layer "$work/deps" "$work/deps.tar"
  layers+=("$work/deps.tar")
fi

mkdir -p "$(dirname "$OUT")"
PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m shipit.images.rootfs "$OUT" "${layers[@]}" \
  --created "$SDE" --ref debian:bookworm-python3 \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env LANG=C.UTF-8 --cmd python3
echo "$stamp" >"$OUT.stamp"
echo "built $OUT in $(( $(date +%s) - start ))s"
