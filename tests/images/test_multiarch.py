"""Multi-platform images (``platforms:``) and registry bases, on small bases made by buildah (a tool shipit
did not write): per-platform OCI layouts and one multi-platform index (``buildah manifest push --all``).
Checked with skopeo; released, verified, tampered with, published to Debian's docker-registry on
127.0.0.1 and read back; registry bases pulled once, cached by digest, and checked on every use."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import pytest

from shipit.core.errors import ConfigError
from shipit.images.bases import classify
from shipit.images.registry import parse_reference
from tests.conftest import require_tool, run_shipit, shipit_env
from tests.images.conftest import SDE, Registry, run, write_store

pytestmark = pytest.mark.xdist_group("registry")

PLATFORMS = ["linux/amd64", "linux/arm64"]
MT_INDEX = "application/vnd.oci.image.index.v1+json"


@pytest.fixture(scope="module")
def tiny_bases(tmp_path_factory) -> dict:
    """linux/amd64 and linux/arm64 images of a tiny rootfs (files only: nothing runs), made with buildah
    from scratch: each as an OCI layout directory, and both as one image index layout."""
    require_tool("buildah", "skopeo")
    tmp = tmp_path_factory.mktemp("tiny-bases")
    env = write_store(tmp / "store")
    out: dict = {"env": env}
    for arch in ("amd64", "arm64"):
        rootfs = tmp / f"rootfs-{arch}"
        (rootfs / "etc").mkdir(parents=True)
        (rootfs / "etc" / "base-release").write_text(f"tiny base for {arch}\n")
        ctr = run(["buildah", "from", "scratch"], env).stdout.strip()
        run(["buildah", "copy", ctr, f"{rootfs}/", "/"], env)
        run(["buildah", "config", "--arch", arch, "--os", "linux", "--env", "PATH=/bin", "--cmd", "/bin/sh", ctr], env)
        run(["buildah", "commit", "--timestamp", str(SDE), "--rm", ctr, f"localhost/tiny:{arch}"], env)
        out[arch] = tmp / f"layout-{arch}"
        run(["buildah", "push", f"localhost/tiny:{arch}", f"oci:{out[arch]}"], env)
    run(["buildah", "manifest", "create", "localhost/tiny:multi"], env)
    for arch in ("amd64", "arm64"):
        run(["buildah", "manifest", "add", "localhost/tiny:multi", f"containers-storage:localhost/tiny:{arch}"], env)
    out["index"] = tmp / "layout-index"
    run(["buildah", "manifest", "push", "--all", "localhost/tiny:multi", f"oci:{out['index']}"], env)
    return out


def config(base: str, *, platforms: list[str] | None = PLATFORMS, repository: str = "registry.example.com/acme/app",
           extra: str = "") -> str:
    plats = f"    platforms: [{', '.join(platforms)}]\n" if platforms else ""
    return f"""schema_version: 1
project:
  name: app
  source_url: https://git.example.com/acme/app
images:
  - name: app
    repository: {repository}
    builder: oci
{plats}    base: {base}
    insecure: true
    layers:
      - {{src: app, dest: /app}}
    cmd: ["/app/run"]
{extra}"""


def mapping(bases: dict) -> str:
    return "{" + ", ".join(f"linux/{a}: {bases[a]}" for a in ("amd64", "arm64")) + "}"


def release(proj: Path, out: Path, *args: str, cache: Path, env: dict | None = None, version: str = "2.0.0"):
    return run_shipit("release", "--version", version, "--config", str(proj / "shipit.yaml"), "--output",
                      str(out), *args, env=shipit_env(SHIPIT_CACHE_DIR=str(cache), **(env or {})))


def image_artifact(release_dir: Path) -> dict:
    manifest = json.loads((release_dir / "manifest.json").read_text())
    [art] = [a for a in manifest["artifacts"] if a["kind"] == "image"]
    return art


def blob(archive: Path, digest: str) -> bytes:
    with tarfile.open(archive) as tar:
        return tar.extractfile(f"blobs/sha256/{digest.split(':')[1]}").read()


APP = {"app/run": "#!/bin/sh\necho hello\n", "app/data.txt": "payload\n"}


def test_native_index_from_per_platform_and_index_bases(make_project, tmp_path, tiny_bases):
    proj = make_project(config(mapping(tiny_bases)), APP)
    proc = release(proj, tmp_path / "a", "--skip", "sbom", cache=tmp_path / "cache-a")
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "a" / "2.0.0"
    art = image_artifact(rel)
    extra = art["extra"]
    archive = rel / "images" / "app.oci.tar"
    assert extra["manifest_media_type"] == MT_INDEX and art["media_type"] == "application/vnd.oci.image.layout.v1+tar"
    assert [p["platform"] for p in extra["platforms"]] == PLATFORMS

    # skopeo reads the index; --override-arch picks each platform's manifest
    raw = run(["skopeo", "inspect", "--raw", f"oci-archive:{archive}"]).stdout
    index = json.loads(raw)
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == extra["manifest_digest"]
    assert index["mediaType"] == MT_INDEX
    assert [(m["platform"]["os"], m["platform"]["architecture"]) for m in index["manifests"]] == [
        ("linux", "amd64"), ("linux", "arm64")]
    for entry, recorded in zip(index["manifests"], extra["platforms"], strict=True):
        arch = entry["platform"]["architecture"]
        assert entry["digest"] == recorded["manifest_digest"]
        copied = tmp_path / f"dir-{arch}"
        run(["skopeo", "copy", "--override-arch", arch, f"oci-archive:{archive}", f"dir:{copied}"])
        manifest_bytes = (copied / "manifest.json").read_bytes()
        assert "sha256:" + hashlib.sha256(manifest_bytes).hexdigest() == recorded["manifest_digest"]
        cfg = json.loads(run(["skopeo", "inspect", "--config", "--override-arch", arch,
                              f"oci-archive:{archive}"]).stdout)
        assert (cfg["os"], cfg["architecture"]) == ("linux", arch)
        assert cfg["config"]["Cmd"] == ["/app/run"]
        base_layer = json.loads(manifest_bytes)["layers"][0]["digest"]
        base_rootfs = tarfile.open(fileobj=io.BytesIO(blob(archive, base_layer)))
        assert base_rootfs.extractfile("etc/base-release").read() == f"tiny base for {arch}\n".encode()
    # the project's layer is built once and shared: same digest, stored once
    top_layers = {p["layers"][-1]["digest"] for p in extra["platforms"]}
    assert len(top_layers) == 1
    assert {p["base_digest"] for p in extra["platforms"]} == {
        json.loads((tiny_bases[a] / "index.json").read_text())["manifests"][0]["digest"] for a in ("amd64", "arm64")}

    # the same two platforms from one multi-platform index base (buildah's) give the same image index, and
    # a rebuild with a fresh cache gives the same bytes
    (proj / "shipit.yaml").write_text(config(str(tiny_bases["index"])))
    proc = release(proj, tmp_path / "b", "--skip", "sbom", cache=tmp_path / "cache-b")
    assert proc.returncode == 0, proc.stderr
    rel_b = tmp_path / "b" / "2.0.0"
    assert image_artifact(rel_b)["extra"]["manifest_digest"] == extra["manifest_digest"]
    assert (rel_b / "images" / "app.oci.tar").read_bytes() == archive.read_bytes()


@pytest.mark.parametrize(("snippet", "message"), [
    ("    platform: linux/amd64\n    platforms: [linux/amd64]\n", "give platform: (one image) or platforms:"),
    ("    platforms: [linux/amd64, linux/amd64]\n", "platform 'linux/amd64' is listed twice"),
    ("    platforms: [linux/amd64, arm64]\n", "'arm64' is not a platform"),
    ("    platforms: [linux/amd64, linux/arm64]\n    base: {linux/amd64: a}\n", "no base for platform linux/arm64"),
    ("    platforms: [linux/amd64]\n    base: {linux/amd64: a, linux/arm64: b}\n", "a base for linux/arm64, which"),
    ("    base: {linux/amd64: a}\n", "needs platforms:"),
])
def test_platform_config_errors(tmp_path, snippet, message):
    from shipit.config import load_config

    (tmp_path / "shipit.yaml").write_text(
        f"schema_version: 1\nproject:\n  name: app\nimages:\n  - name: app\n{snippet}")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "shipit.yaml")
    assert message in str(err.value.message) and "shipit.yaml:" in err.value.message


def test_base_without_the_platform_is_a_clear_error(make_project, tmp_path, tiny_bases):
    wrong = "{" + f"linux/amd64: {tiny_bases['amd64']}, linux/arm64: {tiny_bases['amd64']}" + "}"
    proj = make_project(config(wrong), APP)
    proc = release(proj, tmp_path / "out", cache=tmp_path / "cache")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "platform linux/arm64 but base" in proc.stderr and "is linux/amd64" in proc.stderr
    (proj / "shipit.yaml").write_text(config(str(tiny_bases["index"]), platforms=["linux/amd64", "linux/s390x"]))
    proc = release(proj, tmp_path / "out", cache=tmp_path / "cache")
    assert proc.returncode == 1 and "no linux/s390x image in the index" in proc.stderr
    assert "linux/amd64, linux/arm64" in proc.stderr  # the hint lists what the base has
    assert not (tmp_path / "out" / "2.0.0").exists()


def test_reference_and_base_classification(tmp_path):
    ref = parse_reference("127.0.0.1:5000/lib/base:1@sha256:" + "a" * 64)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == ("127.0.0.1:5000", "lib/base", "1", "sha256:" + "a" * 64)
    assert ref.tagged == "127.0.0.1:5000/lib/base:1"
    hub = parse_reference("debian:bookworm")
    assert (hub.registry, hub.repository, hub.tag) == ("docker.io", "library/debian", "bookworm")
    assert hub.pinned("sha256:" + "b" * 64) == "debian:bookworm@sha256:" + "b" * 64
    (tmp_path / "bases").mkdir()
    assert classify("scratch", tmp_path).kind == "scratch"
    assert classify("bases", tmp_path).kind == "path"  # exists
    assert classify("missing/layout", tmp_path).kind == "path"  # no tag, digest or registry host
    assert classify("~/x.tar", tmp_path).kind == "path"
    assert classify("debian:bookworm", tmp_path).kind == "registry"
    assert classify("docker.io/library/debian", tmp_path).kind == "registry"
    assert classify("docker://busybox", tmp_path).kind == "registry"
    assert classify("localhost:5000/x@sha256:" + "c" * 64, tmp_path).kind == "registry"


def _rewrite(archive: Path, change) -> None:
    """Rewrite an .oci.tar, letting ``change(files)`` edit the {name: bytes} it holds."""
    with tarfile.open(archive) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isreg()}
    change(files)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size = len(files[name])
            tar.addfile(info, io.BytesIO(files[name]))
    archive.write_bytes(buf.getvalue())


def _reseal(rel: Path, extra_update) -> None:
    """Re-record the archive in manifest.json and SHA256SUMS (an attacker who cannot sign)."""
    manifest = json.loads((rel / "manifest.json").read_text())
    archive = rel / "images" / "app.oci.tar"
    for art in manifest["artifacts"]:
        if art["kind"] == "image":
            art["sha256"] = hashlib.sha256(archive.read_bytes()).hexdigest()
            art["size"] = archive.stat().st_size
            extra_update(art["extra"])
    (rel / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    lines = []
    for line in (rel / "SHA256SUMS").read_text().splitlines():
        path = line.split("  ", 1)[1]
        lines.append(f"{hashlib.sha256((rel / path).read_bytes()).hexdigest()}  {path}")
    (rel / "SHA256SUMS").write_text("\n".join(lines) + "\n")


def _verify(rel: Path, pub: Path) -> list[dict]:
    proc = run_shipit("verify", str(rel), "--key", str(pub), "--json")
    return json.loads(proc.stdout)["checks"]


def test_verify_rejects_a_cross_platform_swap(make_project, tmp_path, tiny_bases):
    key_env = {"SHIPIT_KEY_PASSWORD": "pw", "SHIPIT_SIGNING_KEY": str(tmp_path / "key" / "cosign.key")}
    run_shipit("keygen", "--output-dir", str(tmp_path / "key"), env=shipit_env(**key_env), check=True)
    pub = tmp_path / "key" / "cosign.pub"
    proj = make_project(config(mapping(tiny_bases), extra="signing:\n  mode: key\nsite: {}\n"), APP)
    proc = release(proj, tmp_path / "out", cache=tmp_path / "cache", env=key_env)
    assert proc.returncode == 0, proc.stderr
    pristine = tmp_path / "out" / "2.0.0"
    checks = _verify(pristine, pub)
    assert all(c["ok"] for c in checks), [c for c in checks if not c["ok"]]
    [images] = [c for c in checks if c["check"] == "images"]
    assert "2 platforms (linux/amd64, linux/arm64)" in images["reason"]
    sboms = sorted(c["subject"] for c in checks if c["check"] == "sboms")
    assert sboms == ["sbom/app-linux-amd64.cdx.json", "sbom/app-linux-arm64.cdx.json"]
    extra = image_artifact(pristine)["extra"]
    amd, arm = (p["manifest_digest"] for p in extra["platforms"])
    # the handoff site's Images page lists each platform with its manifest digest and SBOM
    page = (pristine / "site" / "images.html").read_text().replace("<wbr>", "")  # paths break only after / and .
    for platform, digest in (("linux/amd64", amd), ("linux/arm64", arm)):
        row = re.search(rf"<td>{platform}</td>(.*?)</tr>", page, re.S)
        assert row and digest in row.group(1), platform
        assert f"sbom/app-{platform.replace('/', '-')}.cdx.json" in row.group(1)
    assert extra["manifest_digest"] in page

    # an image SBOM missing for one platform is reported (the release re-recorded without it)
    rel = tmp_path / "sbom-missing"
    shutil.copytree(pristine, rel)
    manifest = json.loads((rel / "manifest.json").read_text())
    manifest["artifacts"] = [a for a in manifest["artifacts"] if a["path"] != "sbom/app-linux-arm64.cdx.json"]
    (rel / "manifest.json").write_text(json.dumps(manifest))
    (rel / "sbom/app-linux-arm64.cdx.json").unlink()
    for suffix in (".intoto.jsonl", ".sigstore.json"):
        (rel / f"attestations/sbom-app-linux-arm64{suffix}").unlink()
    failed = {(c["check"], c["reason"]) for c in _verify(rel, pub) if not c["ok"]}
    assert ("sboms", "image 'app' has no SBOM for its platform linux/arm64") in failed, failed

    # 1. arm64's config blob replaced by amd64's bytes (under arm64's name)
    rel = tmp_path / "blob-swap"
    shutil.copytree(pristine, rel)
    arm_cfg = json.loads(blob(pristine / "images/app.oci.tar", arm))["config"]["digest"]
    amd_cfg = json.loads(blob(pristine / "images/app.oci.tar", amd))["config"]["digest"]
    _rewrite(rel / "images/app.oci.tar", lambda f: f.update({
        f"blobs/sha256/{arm_cfg[7:]}": f[f"blobs/sha256/{amd_cfg[7:]}"]}))
    failed = {(c["check"], c["reason"]) for c in _verify(rel, pub) if not c["ok"]}
    assert any(check == "images" and "is corrupt" in reason for check, reason in failed), failed

    # 2. the index rewritten so that its linux/arm64 entry is the amd64 image, and the release re-recorded
    #    to match (manifest.json, SHA256SUMS): the signature fails, and the images check names the swap
    rel = tmp_path / "index-swap"
    shutil.copytree(pristine, rel)
    state = {}

    def swap(files: dict) -> None:
        top = json.loads(files["index.json"])
        old = top["manifests"][0]["digest"]
        index = json.loads(files.pop(f"blobs/sha256/{old[7:]}"))
        index["manifests"][1] = {**index["manifests"][0], "platform": {"architecture": "arm64", "os": "linux"}}
        data = json.dumps(index).encode()
        new = "sha256:" + hashlib.sha256(data).hexdigest()
        files[f"blobs/sha256/{new[7:]}"] = data
        top["manifests"][0].update(digest=new, size=len(data))
        files["index.json"] = json.dumps(top).encode()
        state["index"] = new

    _rewrite(rel / "images/app.oci.tar", swap)

    def record(x: dict) -> None:
        x["manifest_digest"] = state["index"]
        x["platforms"][1]["manifest_digest"] = amd

    _reseal(rel, record)
    results = _verify(rel, pub)
    failed = {(c["check"], c["reason"]) for c in results if not c["ok"]}
    assert ("images", next(r for c, r in failed if c == "images")) in failed
    reason = next(r for c, r in failed if c == "images")
    assert "as linux/arm64, but its config is linux/amd64" in reason and "swapped" in reason
    assert any(c == "signature" for c, _ in failed)


def test_publish_index_and_read_it_back(make_project, tmp_path, tiny_bases, registry):
    import requests

    proj = make_project(config(mapping(tiny_bases), repository=f"{registry.address}/acme/multi"), APP)
    proc = release(proj, tmp_path / "out", "--skip", "sbom", cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "out" / "2.0.0"
    extra = image_artifact(rel)["extra"]
    pub = run_shipit("publish", str(rel), "--insecure",
                     env=shipit_env(HOME=str(tmp_path / "home"), REGISTRY_AUTH_FILE=str(tmp_path / "none.json")))
    assert pub.returncode == 0, pub.stderr
    assert extra["manifest_digest"] in pub.stdout
    for tag in extra["tags"]:
        resp = requests.get(f"http://{registry.address}/v2/acme/multi/manifests/{tag}",
                            headers={"Accept": MT_INDEX}, timeout=10)
        assert resp.status_code == 200
        assert resp.headers["Docker-Content-Digest"] == extra["manifest_digest"]
        assert "sha256:" + hashlib.sha256(resp.content).hexdigest() == extra["manifest_digest"]
        served = {f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"]
                  for m in resp.json()["manifests"]}
        assert served == {p["platform"]: p["manifest_digest"] for p in extra["platforms"]}
    for p in extra["platforms"]:
        resp = requests.get(f"http://{registry.address}/v2/acme/multi/manifests/{p['manifest_digest']}",
                            headers={"Accept": "application/vnd.oci.image.manifest.v1+json"}, timeout=10)
        assert resp.status_code == 200
        assert "sha256:" + hashlib.sha256(resp.content).hexdigest() == p["manifest_digest"]
        cfg = requests.get(f"http://{registry.address}/v2/acme/multi/blobs/{resp.json()['config']['digest']}",
                           timeout=10).json()
        assert f"{cfg['os']}/{cfg['architecture']}" == p["platform"]


@pytest.fixture
def base_registry(tmp_path, tiny_bases):
    """A registry of its own (the test stops it) holding the multi-platform tiny base as lib/tiny:1."""
    require_tool("skopeo", "docker-registry")
    (tmp_path / "base-registry").mkdir()
    reg = Registry(tmp_path / "base-registry")
    run(["skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false", f"oci:{tiny_bases['index']}",
         f"docker://{reg.address}/lib/tiny:1"])
    reg.index = json.loads((tiny_bases["index"] / "index.json").read_text())["manifests"][0]["digest"]
    yield reg
    if reg.proc.poll() is None:
        reg.stop()


def test_registry_base_pinned_pulled_once_cached_and_checked(make_project, tmp_path, tiny_bases, base_registry):
    reg = base_registry
    tagged = f"{reg.address}/lib/tiny:1"
    cache = tmp_path / "cache"
    key_env = {"SHIPIT_KEY_PASSWORD": "pw", "SHIPIT_SIGNING_KEY": str(tmp_path / "key" / "cosign.key")}
    run_shipit("keygen", "--output-dir", str(tmp_path / "key"), env=shipit_env(**key_env), check=True)
    proj = make_project(config(tagged, extra="signing:\n  mode: key\n"), APP)

    # a tag without a digest: an error whose hint is the digest to pin; --snapshot allows it with a warning
    proc = release(proj, tmp_path / "out", cache=cache, env=key_env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    text = " ".join(proc.stderr.split())
    assert "a tag without a digest" in text and f"pin it in shipit.yaml: base: {tagged}@{reg.index}" in text
    snap = release(proj, tmp_path / "snap", "--snapshot", "--skip", "sbom", cache=cache, env=key_env)
    assert snap.returncode == 0, snap.stderr
    assert "not pinned by digest" in " ".join(snap.stderr.split())

    shutil.rmtree(cache)
    (proj / "shipit.yaml").write_text(config(f"{tagged}@{reg.index}", extra="signing:\n  mode: key\n"))
    proc = release(proj, tmp_path / "a", cache=cache, env=key_env)
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "a" / "2.0.0"
    extra = image_artifact(rel)["extra"]
    index = json.loads((tiny_bases["index"] / "blobs/sha256" / reg.index[7:]).read_text())
    by_platform = {f"linux/{m['platform']['architecture']}": m["digest"] for m in index["manifests"]}
    for p in extra["platforms"]:
        assert p["base_pinned"] == reg.index and p["base_digest"] == by_platform[p["platform"]]
        manifest = json.loads(blob(rel / "images/app.oci.tar", p["manifest_digest"]))
        assert manifest["annotations"]["org.opencontainers.image.base.name"] == tagged
        assert manifest["annotations"]["org.opencontainers.image.base.digest"] == p["base_digest"]
    line = (rel / "attestations" / "provenance.intoto.jsonl").read_text()
    deps = json.loads(base64.b64decode(json.loads(line)["payload"]))["predicate"]["buildDefinition"][
        "resolvedDependencies"]
    assert {"uri": f"oci://{tagged}", "digest": {"sha256": reg.index[7:]}} in deps
    for platform, digest in by_platform.items():
        assert {"uri": f"oci://{tagged}", "digest": {"sha256": digest[7:]},
                "annotations": {"platform": platform}} in deps
    # cached content-addressed: the index, two manifests, two configs, two layers, each its own digest
    store = cache / "oci" / "blobs" / "sha256"
    cached = sorted(store.iterdir())
    assert len(cached) == 7 and reg.index[7:] in {p.name for p in cached}
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in cached)

    # a tampered cached blob is detected, removed and pulled again
    layer = store / by_platform["linux/arm64"][7:]
    layer_digest = json.loads(layer.read_bytes())["layers"][0]["digest"][7:]
    (store / layer_digest).write_bytes((store / layer_digest).read_bytes() + b"tampered")
    proc = release(proj, tmp_path / "b", "--skip", "sbom", cache=cache, env=key_env)
    assert proc.returncode == 0, proc.stderr
    assert f"cached blob sha256:{layer_digest} is corrupt" in " ".join(proc.stderr.split())
    assert hashlib.sha256((store / layer_digest).read_bytes()).hexdigest() == layer_digest
    assert image_artifact(tmp_path / "b" / "2.0.0")["extra"]["manifest_digest"] == extra["manifest_digest"]

    # pulled once: with the registry gone, the cache alone builds the same image
    reg.stop()
    proc = release(proj, tmp_path / "c", "--skip", "sbom", cache=cache, env=key_env)
    assert proc.returncode == 0, proc.stderr
    assert image_artifact(tmp_path / "c" / "2.0.0")["extra"]["manifest_digest"] == extra["manifest_digest"]
    # ... and a tampered blob is then an error, never used
    (store / layer_digest).write_bytes(b"not the layer")
    proc = release(proj, tmp_path / "d", "--skip", "sbom", cache=cache, env=key_env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    text = " ".join(proc.stderr.split())
    assert "was corrupt and had been removed" in text and "cannot reach" in text
    assert not (store / layer_digest).exists() and not (tmp_path / "d" / "2.0.0").exists()


DOCKERFILE = "FROM scratch\nCOPY app/ /app/\nCMD [\"/app/run\"]\n"


def dockerfile_config(builder: str) -> str:
    return f"""schema_version: 1
project:
  name: app
images:
  - name: app
    builder: {builder}
    platforms: [linux/amd64, linux/arm64]
"""


def test_buildah_builds_each_platform(make_project, tmp_path, short_tmp):
    require_tool("buildah")
    proj = make_project(dockerfile_config("buildah"), {**APP, "Dockerfile": DOCKERFILE})
    env = write_store(short_tmp / "store")
    digests = []
    for run_ in ("a", "b"):
        proc = release(proj, tmp_path / run_, "--skip", "sbom", cache=tmp_path / "cache", env=env)
        assert proc.returncode == 0, proc.stderr
        rel = tmp_path / run_ / "2.0.0"
        extra = image_artifact(rel)["extra"]
        digests.append(extra["manifest_digest"])
        for p in extra["platforms"]:
            cfg = json.loads(blob(rel / "images/app.oci.tar", p["config_digest"]))
            assert f"{cfg['os']}/{cfg['architecture']}" == p["platform"]
    assert digests[0] == digests[1]  # buildah --timestamp: reproducible per platform, so the index too

    # a RUN step for arm64 needs an emulator this machine lacks: said before anything is built
    (proj / "Dockerfile").write_text("FROM scratch\nCOPY app/ /app/\nRUN [\"/app/run\"]\n")
    proc = release(proj, tmp_path / "c", "--skip", "sbom", cache=tmp_path / "cache", env=env)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    text = " ".join(proc.stderr.split())
    assert "linux/arm64: Dockerfile:3: RUN" in text and "would run arm64 binaries" in text
    assert "binfmt_misc" in text and "STEP" not in text
    check = run_shipit("check", "--config", str(proj / "shipit.yaml"), env=shipit_env(**env))
    assert "cannot build linux/arm64 here" in " ".join(check.stdout.split())


def test_docker_api_builds_each_platform(make_project, tmp_path, podman_service):
    proj = make_project(dockerfile_config("docker"), {**APP, "Dockerfile": DOCKERFILE})
    proc = release(proj, tmp_path / "out", "--skip", "sbom", cache=tmp_path / "cache", env=podman_service)
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "out" / "2.0.0"
    extra = image_artifact(rel)["extra"]
    assert extra["reproducible"] is False and [p["platform"] for p in extra["platforms"]] == PLATFORMS
    for p in extra["platforms"]:
        cfg = json.loads(blob(rel / "images/app.oci.tar", p["config_digest"]))
        assert f"{cfg['os']}/{cfg['architecture']}" == p["platform"]
