"""Fixtures of the fault-injection suite: a small project that runs every stage of a release (the demo
service with a tiny base image and no validation evidence), a signing key, and helpers to run shipit and
inspect what a failed or killed release left behind.

Every fault here is real (a full file system, a read-only mount, a SIGKILL, a registry behind a proxy that
fails): nothing in shipit is mocked.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.conftest import DEMO, SRC, require, shipit_env

PASSWORD = "fault-suite-only"
VERSION = "1.2.0"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _tar_gz(files: dict[str, bytes]) -> tuple[bytes, str]:
    """(gzip bytes, diff_id) of a layer holding ``files`` (sorted, fixed mtime)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), 1700000000, 0o644
            tar.addfile(info, io.BytesIO(files[name]))
    plain = raw.getvalue()
    return gzip.compress(plain, mtime=0), "sha256:" + hashlib.sha256(plain).hexdigest()


def write_tiny_base(out: Path) -> Path:
    """An OCI image layout directory: one gzip layer with an os-release and a file (written here, with
    tarfile/gzip/json only, so the base does not depend on the code under test)."""
    layer, diff_id = _tar_gz({"etc/os-release": b'ID=tiny\nVERSION_ID="1"\nPRETTY_NAME="tiny base"\n',
                              "usr/share/tiny/README": b"the fault suite's base image\n"})
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": ["PATH=/usr/bin:/bin"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}, sort_keys=True).encode()

    def digest(data: bytes) -> str:
        return "sha256:" + hashlib.sha256(data).hexdigest()

    manifest = json.dumps({"schemaVersion": 2, "mediaType": MT_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": digest(config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                       "digest": digest(layer), "size": len(layer)}]}, sort_keys=True).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": MT_MANIFEST, "digest": digest(manifest),
                                                            "size": len(manifest)}]}).encode()
    (out / "blobs" / "sha256").mkdir(parents=True)
    for data in (layer, config, manifest):
        (out / "blobs" / "sha256" / digest(data)[7:]).write_bytes(data)
    (out / "index.json").write_bytes(index)
    (out / "oci-layout").write_bytes(b'{"imageLayoutVersion":"1.0.0"}')
    return out


def layer_blob(base: Path) -> Path:
    """The (only) layer blob of a base written by :func:`write_tiny_base`."""
    index = json.loads((base / "index.json").read_text())
    manifest = json.loads((base / "blobs/sha256" / index["manifests"][0]["digest"][7:]).read_text())
    return base / "blobs/sha256" / manifest["layers"][0]["digest"][7:]


def git(proj: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2023-11-14T22:13:20Z",
           "GIT_COMMITTER_DATE": "2023-11-14T22:13:20Z"}
    subprocess.run(["git", *args], cwd=proj, check=True, env=env, capture_output=True)


def make_demo_project(root: Path, *, sections: tuple[str, ...] | None = None) -> Path:
    """The demo service with every stage (images on a tiny base, SBOMs, migrations, pipeline, ops, site,
    signing), without the evidence: section (its reports are produced by the demo's own test run).
    ``sections`` keeps only those capability sections (project and signing always stay)."""
    proj = root / "orders-service"
    shutil.copytree(DEMO, proj, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache", "reports", "*.db"))
    yaml = YAML()
    cfg = yaml.load((proj / "shipit.yaml").read_text())
    del cfg["evidence"]
    cfg["images"][0]["base"] = "base"
    cfg["images"][0].pop("platforms", None)  # one platform: the tiny base is linux/amd64
    cfg["signing"]["key"] = "keys/cosign.key"
    if sections is not None:
        for key in list(cfg):
            if key not in ("schema_version", "project", "signing", *sections):
                del cfg[key]
    buf = io.StringIO()
    yaml.dump(cfg, buf)
    (proj / "shipit.yaml").write_text(buf.getvalue())
    write_tiny_base(proj / "base")
    subprocess.run([sys.executable, "-m", "shipit", "keygen", "--output-dir", str(proj / "keys")],
                   env=env(), check=True, capture_output=True, stdin=subprocess.DEVNULL)
    git(proj, "init", "-q", "-b", "main")
    git(proj, "add", "-A")
    git(proj, "commit", "-qm", "feat: the fault suite's project")
    return proj


def env(**extra: str) -> dict[str, str]:
    return shipit_env(SHIPIT_KEY_PASSWORD=PASSWORD, **extra)


def shipit(*args: str, cwd: Path, extra_env: dict[str, str] | None = None,
           timeout: float = 600) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess, stdin closed (never a terminal)."""
    return subprocess.run([sys.executable, "-m", "shipit", *args], cwd=cwd, env=env(**(extra_env or {})),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def assert_clean_failure(proc: subprocess.CompletedProcess, code: int = 1) -> None:
    """A failure the user can read: the exit code, one error line, a hint, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert "error: " in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr


def released(output: Path) -> list[str]:
    """The names in an output root that look like releases (not hidden)."""
    return sorted(p.name for p in output.iterdir() if not p.name.startswith(".")) if output.is_dir() else []


def leftovers(output: Path) -> list[str]:
    return sorted(p.name for p in output.iterdir() if p.name.startswith((".staging-", ".trash-"))) \
        if output.is_dir() else []


def sha256sum_ok(release_dir: Path) -> bool:
    return subprocess.run(["sha256sum", "--strict", "--quiet", "-c", "SHA256SUMS"], cwd=release_dir,
                          capture_output=True).returncode == 0


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The project, made once per session; tests copy it (:func:`project`)."""
    return make_demo_project(tmp_path_factory.mktemp("fault-template"))


@pytest.fixture
def project(demo_template, tmp_path) -> Path:
    """A private copy of the fault suite's project (with its git history and key)."""
    dest = tmp_path / "orders-service"
    shutil.copytree(demo_template, dest, symlinks=True)
    return dest


@pytest.fixture
def small_fs(tmp_path):
    """Mount a tmpfs of the given size in KiB (root only: the fault is a real ENOSPC); unmounted after."""
    mounted: list[Path] = []

    def mount(size_kib: int, *options: str) -> Path:
        require(os.geteuid() == 0, "mounting a small tmpfs needs root")
        require(shutil.which("mount") is not None, "mount is not installed")
        point = tmp_path / f"mnt{len(mounted)}"
        point.mkdir()
        opts = ",".join([f"size={size_kib}k", "mode=0755", *options])
        proc = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(point)], capture_output=True, text=True)
        require(proc.returncode == 0, f"cannot mount a tmpfs here: {proc.stderr.strip()}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


__all__ = ["SRC", "VERSION", "assert_clean_failure", "env", "layer_blob", "leftovers", "released", "sha256sum_ok",
           "shipit", "write_tiny_base"]
