"""Hostile releases given to `shipit verify`: image archives with a tar-slip entry, a symlink, a 10 GiB sparse
entry, a duplicate entry, sizes that disagree with their descriptors; a release holding a symlink to
/dev/zero, a FIFO, or a file grown to a 10 GiB sparse file. Each is rejected (exit 1, no traceback), and the
verifying process reads at most a few MB and stays small: its /proc/self/io and ru_maxrss are measured."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.faults.conftest import VERSION, env, make_demo_project, shipit

MEASURED = (
    "import atexit, resource, sys\n"
    "def report():\n"
    "    io = dict(l.split(': ') for l in open('/proc/self/io').read().split('\\n') if l)\n"
    "    sys.stderr.write(f\"MEASURED rchar={io['rchar']} maxrss_kib={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\\n\")\n"
    "atexit.register(report)\n"
    "from shipit.cli import main\n"
    "main(sys.argv[1:], prog_name='shipit')\n"
)
IMAGE = "images/orders-service.oci.tar"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    proj = make_demo_project(root, sections=("images",))
    proc = shipit("release", "--version", VERSION, "-o", str(root / "out"), "--skip", "sbom", cwd=proj,
                  extra_env={"SHIPIT_CACHE_DIR": str(root / "cache")})
    assert proc.returncode == 0, proc.stderr
    return proj, root / "out" / VERSION


@pytest.fixture
def release(pristine, tmp_path):
    proj, rel = pristine
    dest = tmp_path / "release" / VERSION
    shutil.copytree(rel, dest)
    return proj, dest


def verify(proj: Path, rel: Path) -> tuple[dict, int, int]:
    """(report, bytes read, peak memory KiB) of `shipit verify --json` on ``rel``."""
    proc = subprocess.run([sys.executable, "-c", MEASURED, "verify", str(rel), "--key",
                           str(proj / "keys" / "cosign.pub"), "--json"], cwd=proj, env=env(), capture_output=True,
                          text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    found = re.search(r"MEASURED rchar=(\d+) maxrss_kib=(\d+)", proc.stderr)
    return json.loads(proc.stdout), int(found.group(1)), int(found.group(2))


def failures(report: dict, check: str) -> dict[str, str]:
    return {c["subject"]: c["reason"] for c in report["checks"] if c["check"] == check and not c["ok"]}


def rewrite(archive: Path, edit) -> None:
    """Rewrite an image archive entry by entry: ``edit(members)`` gets and returns [(TarInfo, bytes)]."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read() if m.isreg() else b"") for m in tar.getmembers()]
    members = edit(members)
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)


def entry(name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, len(data) if kind == tarfile.REGTYPE else 0, link
    return info, data


BOUND_READ = 64 << 20  # the release is ~100 KiB; a verify that read a 10 GiB claim would show it here
BOUND_RSS_KIB = 512 << 10


@pytest.mark.parametrize(("case", "expect"), [
    ("tar-slip", "leads out of the layout"),
    ("symlink", "is a symlink"),
    ("hardlink", "is a hard link"),
    ("duplicate", "appears twice"),
])
def test_hostile_image_archives(release, tmp_path, case, expect):
    proj, rel = release
    archive = rel / IMAGE

    def edit(members):
        if case == "tar-slip":
            return [*members, entry("../../../escaped-by-tar-slip", b"owned\n")]
        if case == "symlink":
            name = next(m.name for m, _ in members if m.name.startswith("blobs/sha256/") and m.isreg())
            return [(m, d) if m.name != name else entry(name, kind=tarfile.SYMTYPE, link="/etc/shadow")
                    for m, d in members]
        if case == "hardlink":
            return [*members, entry("blobs/sha256/" + "0" * 64, kind=tarfile.LNKTYPE, link="/etc/shadow")]
        return [*members, entry("index.json", b'{"schemaVersion": 2, "manifests": []}')]

    rewrite(archive, edit)
    report, read, rss = verify(proj, rel)
    assert expect in failures(report, "images")[IMAGE]
    assert not list(tmp_path.rglob("escaped-by-tar-slip"))  # nothing is ever extracted
    assert read < BOUND_READ and rss < BOUND_RSS_KIB, (read, rss)


def test_a_10_gib_sparse_entry_claimed_by_the_manifest(release, tmp_path):
    """GNU tar stores a 10 GiB sparse file in a few KiB; the image manifest claims it as a layer."""
    proj, rel = release
    if shutil.which("tar") is None or b"GNU" not in subprocess.run(["tar", "--version"], capture_output=True).stdout:
        pytest.fail("GNU tar is needed to write a sparse entry (it is part of Debian)")
    archive = rel / IMAGE
    layout = tmp_path / "layout"
    layout.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(layout, filter="data")
    index = json.loads((layout / "index.json").read_text())
    manifest_path = layout / "blobs/sha256" / index["manifests"][0]["digest"][7:]
    manifest = json.loads(manifest_path.read_text())
    fake = hashlib.sha256(b"ten gibibytes of nothing").hexdigest()
    with open(layout / "blobs/sha256" / fake, "wb") as fh:
        fh.truncate(10 << 30)
    manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": f"sha256:{fake}",
                               "size": 10 << 30})
    data = json.dumps(manifest).encode()
    digest = hashlib.sha256(data).hexdigest()
    manifest_path.unlink()
    (layout / "blobs/sha256" / digest).write_bytes(data)
    index["manifests"][0].update(digest=f"sha256:{digest}", size=len(data))
    (layout / "index.json").write_text(json.dumps(index))
    archive.unlink()
    subprocess.run(["tar", "--sparse", "--format=gnu", "-cf", str(archive), "-C", str(layout), "."], check=True)
    assert archive.stat().st_size < 1 << 20
    doc = json.loads((rel / "manifest.json").read_text())  # the attacker records the new digest too
    for art in doc["artifacts"]:
        if art["kind"] == "image":
            art["extra"]["manifest_digest"] = f"sha256:{digest}"
    (rel / "manifest.json").write_text(json.dumps(doc))
    report, read, rss = verify(proj, rel)
    assert "sparse file claiming 10737418240 bytes" in failures(report, "images")[IMAGE]
    assert read < BOUND_READ and rss < BOUND_RSS_KIB, (read, rss)


def test_sizes_that_disagree_with_their_descriptors(release, tmp_path):
    proj, rel = release
    archive = rel / IMAGE

    def edit(members):
        data = dict((m.name, d) for m, d in members)
        index = json.loads(data["index.json"])
        index["manifests"][0]["size"] += 1  # index.json claims a bigger manifest than the blob is
        return [(m, d) if m.name != "index.json" else entry("index.json", json.dumps(index).encode())
                for m, d in members]

    rewrite(archive, edit)
    report, read, rss = verify(proj, rel)
    assert re.search(r"manifest blob blobs/sha256/\w+ has size \d+, index.json says \d+",
                     failures(report, "images")[IMAGE])
    assert read < BOUND_READ and rss < BOUND_RSS_KIB


@pytest.mark.parametrize("case", ["symlink-to-dev-zero", "fifo", "grown-to-10-gib"])
def test_hostile_files_in_the_release(release, case):
    proj, rel = release
    target = rel / IMAGE
    if case == "symlink-to-dev-zero":
        target.unlink()
        target.symlink_to("/dev/zero")
        expect = "is a symlink (to /dev/zero)"
    elif case == "fifo":
        target.unlink()
        os.mkfifo(target)
        expect = "is a FIFO"
    else:
        with open(target, "r+b") as fh:
            fh.truncate(10 << 30)  # sparse: no disk used, 10 GiB to read
        expect = "size differs from manifest.json (10737418240 bytes"
    report, read, rss = verify(proj, rel)  # returns at all: /dev/zero and a FIFO would block a reader forever
    assert expect in failures(report, "files")[IMAGE]
    assert read < BOUND_READ and rss < BOUND_RSS_KIB, (read, rss)
