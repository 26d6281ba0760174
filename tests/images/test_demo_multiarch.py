"""The demo ships linux/amd64 and linux/arm64: its release's image archive is an OCI image index of exactly
those two, read by skopeo; every ELF file of the arm64 image is aarch64 (and every one of the amd64
image x86-64); each platform's SBOM lists every dpkg package (as dpkg-query reads that platform's
database) and every Python distribution of that platform's rootfs; the same inputs give the same index."""

from __future__ import annotations

import email.parser
import hashlib
import json
import re
import subprocess
import tarfile
from pathlib import Path

import pytest

from shipit.images.layout import OciLayout
from tests.conftest import DEMO, require_tool, run_shipit, shipit_env
from tests.images.conftest import run

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-base")]

EM_X86_64, EM_AARCH64 = 62, 183
SKIP = "migrations,pipeline,ops,site,sign"


@pytest.fixture(scope="module")
def demo_release(tmp_path_factory, debian_base) -> Path:
    tmp = tmp_path_factory.mktemp("demo-multiarch")
    proc = run_shipit("release", "--version", "1.0.0", "--config", str(DEMO / "shipit.yaml"), "--output",
                      str(tmp / "out"), "--skip", SKIP, env=shipit_env(SHIPIT_CACHE_DIR=str(tmp / "cache")))
    assert proc.returncode == 0, proc.stderr
    return tmp / "out" / "1.0.0"


def _artifacts(rel: Path, kind: str) -> list[dict]:
    return [a for a in json.loads((rel / "manifest.json").read_text())["artifacts"] if a["kind"] == kind]


def _walk(archive: Path, manifest_digest: str):
    """(path, TarInfo, file or None) of one platform's merged rootfs: a path comes from the last layer
    that has it, and a whiteout (.wh.NAME) removes what earlier layers put there."""
    with OciLayout(archive) as layout:
        layers = layout.image(manifest_digest).layers
        owner: dict[str, int] = {}
        for i, layer in enumerate(layers):
            with layout.open_layer(layer) as fh, tarfile.open(fileobj=fh, mode="r|gz") as tar:
                for m in tar:
                    name = m.name.removeprefix("./").rstrip("/")
                    head, _, base = name.rpartition("/")
                    if base.startswith(".wh."):
                        gone = f"{head}/{base[4:]}".lstrip("/")
                        owner = {k: v for k, v in owner.items() if k != gone and not k.startswith(gone + "/")}
                    else:
                        owner[name] = i
        for i, layer in enumerate(layers):
            with layout.open_layer(layer) as fh, tarfile.open(fileobj=fh, mode="r|gz") as tar:
                for m in tar:
                    name = m.name.removeprefix("./").rstrip("/")
                    if owner.get(name) == i:
                        yield name, m, (tar.extractfile(m) if m.isreg() else None)


def _platforms(rel: Path) -> dict[str, str]:
    [image] = _artifacts(rel, "image")
    return {p["platform"]: p["manifest_digest"] for p in image["extra"]["platforms"]}


def test_demo_archive_is_an_index_of_amd64_and_arm64(demo_release, tmp_path):
    require_tool("skopeo")
    archive = demo_release / "images" / "orders-service.oci.tar"
    [image] = _artifacts(demo_release, "image")
    raw = run(["skopeo", "inspect", "--raw", f"oci-archive:{archive}"]).stdout
    index = json.loads(raw)
    assert index["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == image["extra"]["manifest_digest"]
    assert sorted(f"{m['platform']['os']}/{m['platform']['architecture']}" for m in index["manifests"]) == [
        "linux/amd64", "linux/arm64"]
    platforms = _platforms(demo_release)
    assert [m["digest"] for m in index["manifests"]] == [platforms["linux/amd64"], platforms["linux/arm64"]]

    run(["skopeo", "copy", "--override-arch", "arm64", f"oci-archive:{archive}", f"dir:{tmp_path / 'arm64'}"])
    manifest = (tmp_path / "arm64" / "manifest.json").read_bytes()
    assert "sha256:" + hashlib.sha256(manifest).hexdigest() == platforms["linux/arm64"]
    for arch in ("amd64", "arm64"):
        cfg = json.loads(run(["skopeo", "inspect", "--config", "--override-arch", arch,
                              f"oci-archive:{archive}"]).stdout)
        assert (cfg["os"], cfg["architecture"]) == ("linux", arch)
        assert cfg["config"]["Cmd"] == ["python3", "-m", "orders"] and cfg["config"]["User"] == "10001"


def test_every_elf_file_is_of_its_platform(demo_release):
    archive = demo_release / "images" / "orders-service.oci.tar"
    for platform, machine in (("linux/arm64", EM_AARCH64), ("linux/amd64", EM_X86_64)):
        machines: dict[int, list[str]] = {}
        for name, _info, fh in _walk(archive, _platforms(demo_release)[platform]):
            head = fh.read(20) if fh is not None else b""
            if head[:4] == b"\x7fELF" and len(head) == 20:
                e_machine = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
                machines.setdefault(e_machine, []).append(name)
        assert set(machines) == {machine}, {m: names[:5] for m, names in machines.items()}
        assert len(machines[machine]) > 700  # the Debian rootfs, python3, the wheels' extension modules
        assert any(n.startswith("usr/local/lib/python3.11/dist-packages/") for n in machines[machine])


def _ground_truth(archive: Path, digest: str, tmp: Path) -> tuple[set, set]:
    """(dpkg packages as dpkg-query reads the rootfs's database, Python distributions' METADATA) of one platform."""
    dists = set()
    admindir = tmp / "var" / "lib" / "dpkg"
    admindir.mkdir(parents=True)
    for name, _info, fh in _walk(archive, digest):
        if name == "var/lib/dpkg/status":
            (admindir / "status").write_bytes(fh.read())
        elif re.search(r"\.dist-info/METADATA$|\.egg-info/PKG-INFO$|\.egg-info$", name) and fh is not None:
            meta = email.parser.BytesParser().parsebytes(fh.read(), headersonly=True)
            dists.add((re.sub(r"[-_.]+", "-", meta["Name"]).lower(), meta["Version"]))
    proc = subprocess.run(["dpkg-query", f"--admindir={admindir}", "-W", "-f",
                           "${db:Status-Abbrev}|${Package}|${Version}\n"], capture_output=True, text=True, check=True)
    debs = {tuple(line.split("|")[1:]) for line in proc.stdout.splitlines() if line.startswith("ii")}
    return debs, dists


def test_each_platform_sbom_lists_its_rootfs(demo_release, tmp_path):
    require_tool("dpkg-query")
    archive = demo_release / "images" / "orders-service.oci.tar"
    sboms = {a["extra"].get("platform"): a for a in _artifacts(demo_release, "sbom") if a["name"] != "source"}
    platforms = _platforms(demo_release)
    assert set(sboms) == set(platforms)
    for platform, digest in platforms.items():
        art = sboms[platform]
        assert art["path"] == f"sbom/orders-service-{platform.replace('/', '-')}.cdx.json"
        assert art["extra"]["image_digest"] == digest
        doc = json.loads((demo_release / art["path"]).read_text())
        assert doc["metadata"]["component"]["purl"].startswith(
            f"pkg:oci/orders-service@{digest}?arch={platform.split('/')[1]}&")
        listed_deb, listed_py, deb_arches = set(), set(), set()
        for c in doc["components"]:
            purl = c.get("purl", "")
            if purl.startswith("pkg:deb/"):
                listed_deb.add((c["name"], c["version"]))
                deb_arches.add(re.search(r"arch=(\w+)", purl).group(1))
            elif purl.startswith("pkg:pypi/"):
                listed_py.add((purl.split("/")[1].split("@")[0], c["version"]))
        debs, dists = _ground_truth(archive, digest, tmp_path / platform.replace("/", "-"))
        assert len(debs) > 100 and len(dists) >= 8
        assert debs - listed_deb == set(), f"{platform}: dpkg packages missing from the SBOM"
        assert dists - listed_py == set(), f"{platform}: Python distributions missing from the SBOM"
        assert deb_arches == {platform.split("/")[1], "all"}


def test_same_inputs_same_index(demo_release, tmp_path):
    """A second release from a fresh layer cache gives the same image archive, byte for byte."""
    proc = run_shipit("release", "--version", "1.0.0", "--config", str(DEMO / "shipit.yaml"), "--output",
                      str(tmp_path / "out"), "--skip", SKIP + ",sbom", env=shipit_env(SHIPIT_CACHE_DIR=str(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    again = tmp_path / "out" / "1.0.0"
    assert _artifacts(again, "image")[0]["extra"] == _artifacts(demo_release, "image")[0]["extra"]
    name = "images/orders-service.oci.tar"
    assert (again / name).read_bytes() == (demo_release / name).read_bytes()
