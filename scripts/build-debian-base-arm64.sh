#!/usr/bin/env bash
# Build, once, the linux/arm64 twin of the amd64 Debian base of scripts/build-debian-base.sh, without running
# any arm64 code (no emulation needed), as an OCI image layout directory.
#
#   scripts/build-debian-base-arm64.sh AMD64_BASE [OUT_DIR] [REQUIREMENTS.txt]
#
# AMD64_BASE is the OCI layout scripts/build-debian-base.sh wrote; OUT_DIR defaults to AMD64_BASE-arm64.
# The same Debian packages (names and versions of the amd64 rootfs's dpkg database; Architecture: all ones
# are the same files) are downloaded for arm64 and unpacked the way distroless images are made (the data
# tar of each .deb, as `dpkg-deb -x`), /usr is merged like debootstrap does, and the dpkg database
# (status, info/*.list, md5sums...) is written by hand; what the amd64 maintainer scripts created and no
# package ships (/etc/passwd, alternatives symlinks, /etc/localtime...) is copied from the amd64 rootfs
# when it is architecture-independent (scripts/debian-foreign-rootfs.py). No maintainer script runs and
# there is no /etc/ld.so.cache (glibc searches its multiarch directories without it).
# With REQUIREMENTS.txt, the pinned Python packages are installed as manylinux aarch64 wheels (pip
# --platform, binary only) into a second layer at /usr/local/lib/python3.11/dist-packages, as for amd64.
# Every ELF file of both layers must be aarch64 and the package names must equal amd64's, or it fails.
# Reused while the stamp (these scripts, the requirements, the amd64 base's manifest) is unchanged; FORCE=1
# rebuilds. Needs root (file owners), apt-get, dpkg-deb, tar, and a Debian mirror (DEBIAN_MIRROR overrides).
set -euo pipefail
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$SELF")/.."
REPO="$PWD"
HELPER="$REPO/scripts/debian-foreign-rootfs.py"

REF="${1:?usage: $0 AMD64_BASE [OUT_DIR] [REQUIREMENTS.txt]}"
OUT="${2:-$REF-arm64}"
REQ="${3:-}"
PYTHON="${PYTHON:-python3}"
SDE="${SOURCE_DATE_EPOCH:-1700000000}"
DEB_ARCH=arm64 PIP_ARCH=aarch64 SUITE=bookworm

if [ ! -f "$REF/index.json" ]; then
  echo "error: $REF: not an OCI layout (build the amd64 base first: scripts/build-debian-base.sh)" >&2; exit 1
fi
if [ -n "$REQ" ] && [ ! -f "$REQ" ]; then echo "error: $REQ: no such requirements file" >&2; exit 1; fi
MIRROR="$("$REPO/scripts/debian-mirror.sh")"
# The amd64 base's manifest digest, its rootfs layer (the first) and its architecture.
read -r ref_manifest ref_layer ref_arch < <("$PYTHON" - "$REF" <<'EOF'
import json, sys
ref = sys.argv[1]
m = json.load(open(f"{ref}/index.json"))["manifests"][0]["digest"]
manifest = json.load(open(f"{ref}/blobs/sha256/{m.split(':')[1]}"))
config = json.load(open(f"{ref}/blobs/sha256/{manifest['config']['digest'].split(':')[1]}"))
print(m, manifest["layers"][0]["digest"].split(":")[1], config["architecture"])
EOF
)
if [ "$ref_arch" != amd64 ]; then echo "error: $REF: architecture $ref_arch, expected amd64" >&2; exit 1; fi

stamp="$( { cat "$SELF" "$HELPER"; [ -n "$REQ" ] && cat "$REQ"; echo "$MIRROR $SDE $ref_manifest"; } | sha256sum | cut -c1-16)"
if [ -z "${FORCE:-}" ] && [ -f "$OUT/oci-layout" ] && [ "$(cat "$OUT.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "arm64 base image is cached: $OUT"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: unpacking with the packages' file owners needs root (run with sudo)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/shipit-base-arm64.XXXXXX")"  # TMPDIR=/dev/shm: faster on a slow disk
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
lap() { echo "  $1: $(( $(date +%s) - t0 ))s"; t0=$(date +%s); }
t0=$start

mkdir -p "$work/ref"
tar -xzf "$REF/blobs/sha256/$ref_layer" -C "$work/ref" --numeric-owner -p
lap "amd64 rootfs read"

# A private apt configuration for arm64 (nothing of this machine's apt or dpkg state is touched).
apt_dir="$work/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
: >"$apt_dir/status"
echo "deb [arch=$DEB_ARCH signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" \
  >"$apt_dir/sources.list"
APT=(-o Dir::Etc::SourceList="$apt_dir/sources.list" -o Dir::Etc::SourceParts="$apt_dir/sources.list.d"
     -o Dir::State="$apt_dir" -o Dir::State::Lists="$apt_dir/lists" -o Dir::State::status="$apt_dir/status"
     -o Dir::Cache="$apt_dir/cache" -o APT::Architecture="$DEB_ARCH" -o APT::Architectures::="$DEB_ARCH"
     -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
echo "apt-get update ($DEB_ARCH, $MIRROR $SUITE main) ..."
apt-get "${APT[@]}" -qq update >"$work/apt.log" 2>&1 || {
  cat "$work/apt.log" >&2; echo "error: apt-get update for $DEB_ARCH failed (log above)" >&2; exit 1; }
names=$(dpkg-query --admindir="$work/ref/var/lib/dpkg" -W -f '${db:Status-Abbrev} ${Package}\n' | awk '$1=="ii" {print $2}')
apt-cache "${APT[@]}" show $names >"$work/available.txt" 2>>"$work/apt.log" || true
"$PYTHON" "$HELPER" pick "$work/ref" "$work/available.txt" >"$work/want.txt"
(cd "$apt_dir/debs" && apt-get "${APT[@]}" -qq download $(cat "$work/want.txt")) >>"$work/apt.log" 2>&1 || {
  tail -20 "$work/apt.log" >&2; echo "error: apt-get download failed (log above)" >&2; exit 1; }
echo "downloaded $(ls "$apt_dir/debs" | wc -l) packages ($(du -sh "$apt_dir/debs" | cut -f1))"
lap "apt"

root="$work/rootfs"
"$PYTHON" "$HELPER" unpack --ref "$work/ref" --arch "$DEB_ARCH" "$root" "$apt_dir"/debs/*.deb
# The same trims as the amd64 base.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
       "$root"/var/log/* "$root"/tmp/* "$root"/root/.cache "$root"/etc/machine-id "$root"/var/cache/ldconfig/aux-cache
find "$root" -name '__pycache__' -type d -prune -exec rm -rf {} +
: >"$root/etc/machine-id"
lap "unpack + dpkg database"

# GNU tar keeps owners, modes, setuid bits and hardlinks; sorted names and fixed times make it stable.
tar_layer() {  # DIR OUT.tar
  tar --create --file "$2" --directory "$1" --sort=name --numeric-owner --mtime="@$SDE" \
      --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
      --exclude=./dev/* --exclude=./proc/* --exclude=./sys/* --exclude=./run/* .
}
layers=("$work/rootfs.tar")
checked=("$root")

if [ -n "$REQ" ]; then
  echo "pip install --target (manylinux $PIP_ARCH wheels) -r $REQ ..."
  site="$work/deps/usr/local/lib/python3.11/dist-packages"
  mkdir -p "$site"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-compile --only-binary=:all: \
      --python-version 3.11 --platform "manylinux2014_$PIP_ARCH" --platform "manylinux_2_28_$PIP_ARCH" \
      --implementation cp --target "$site" -r "$REQ"
  rm -rf "$site/bin"
  find "$work/deps" -name '__pycache__' -type d -prune -exec rm -rf {} +
  chmod -R u=rwX,go=rX "$work/deps"
  layers+=("$work/deps.tar")
  checked+=("$work/deps")
  lap "pip"
fi

"$PYTHON" "$HELPER" check --ref "$work/ref" --arch "$DEB_ARCH" "${checked[@]}"
tar_layer "$root" "$work/rootfs.tar"
[ -n "$REQ" ] && tar_layer "$work/deps" "$work/deps.tar"

mkdir -p "$(dirname "$OUT")"
PYTHONPATH="$REPO/src${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" - "$OUT" "$SDE" "${layers[@]}" <<'EOF'
import sys
from pathlib import Path
from shipit.images.rootfs import import_layers
out, created, layers = Path(sys.argv[1]), int(sys.argv[2]), [Path(p) for p in sys.argv[3:]]
digest = import_layers(out, layers, created=created, ref_name="debian:bookworm-python3", platform="linux/arm64",
                       env=["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"],
                       cmd=["python3"])
print(f"{out}: {digest}")
EOF
lap "layers + OCI layout"
echo "$stamp" >"$OUT.stamp"
echo "built $OUT in $(( $(date +%s) - start ))s"
