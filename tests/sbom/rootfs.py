"""Build (once, cached) real root filesystems for the SBOM tests.

* a Debian 12 ``minbase`` rootfs from ``debootstrap`` with python3, pip and a few pip-installed
  distributions in ``/usr/local/lib/python3.11/dist-packages``;
* a busybox rootfs from the ``busybox-static`` binary.

The Debian tree is cached under ``~/.cache/shipit/test-rootfs`` (override with
``SHIPIT_TEST_ROOTFS_CACHE``) so reruns take no time; a file lock keeps parallel workers from
building it twice.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("SHIPIT_TEST_ROOTFS_CACHE", Path.home() / ".cache" / "shipit" / "test-rootfs"))
# Pure-Python wheels installed with pip into the image's /usr/local site directory.
PIP_PACKAGES = ["six==1.16.0", "idna==3.7", "attrs==23.2.0", "certifi==2024.7.4"]
SITE = "usr/local/lib/python3.11/dist-packages"
NAME = "bookworm-python-v1"


def debian_mirror() -> str:
    """The mirror apt is configured with (scripts/debian-mirror.sh; $DEBIAN_MIRROR overrides it)."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "debian-mirror.sh"
    return subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout.strip()


def debian_rootfs() -> Path:
    """The cached Debian rootfs (built on first use, ~30-60 s)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    root = CACHE / NAME
    ready = CACHE / f"{NAME}.ready"
    with open(CACHE / f"{NAME}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready.exists() and root.is_dir():
            return root
        tmp = CACHE / f"{NAME}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
        subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-pip",
                        "bookworm", str(tmp), debian_mirror()], check=True, capture_output=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "--no-deps", "--only-binary=:all:", "--target", str(tmp / SITE), *PIP_PACKAGES],
                       check=True, capture_output=True)
        shutil.rmtree(tmp / SITE / "bin", ignore_errors=True)
        shutil.rmtree(tmp / "var" / "cache" / "apt" / "archives", ignore_errors=True)
        os.rename(tmp, root)
        ready.write_text("ok\n")
        return root


def busybox_rootfs(dest: Path) -> Path:
    """A tiny rootfs: the static busybox binary, its applet links and /etc/passwd."""
    busybox = shutil.which("busybox")
    assert busybox, "busybox-static is not installed"
    (dest / "bin").mkdir(parents=True)
    shutil.copy2(busybox, dest / "bin" / "busybox")
    for applet in ("sh", "ls", "cat", "echo"):
        os.symlink("busybox", dest / "bin" / applet)
    (dest / "etc").mkdir()
    (dest / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (dest / "etc" / "group").write_text("root:x:0:\n")
    return dest


if __name__ == "__main__":
    print(debian_rootfs())
