"""The native builder: output read by skopeo and umoci, reproducibility, cache, bases, error paths."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from shipit.core.errors import ShipitError
from shipit.images.config import ImageConfig, LayerConfig
from shipit.images.layout import check_archive
from shipit.images.oci import LayerCache, layer_entries
from tests.conftest import require_tool, run_shipit, shipit_env
from tests.images.conftest import SDE, run

APP_FILES = {
    "app/main.py": "print('hello from the app')\n",
    "app/lib/util.py": "X = 1\n",
    "app/lib/__pycache__/util.cpython-311.pyc": "junk",
    "app/tests/test_x.py": "def test(): pass\n",
    "bin/start": "#!/bin/sh\nexec echo started\n",
    "conf/app.ini": "[app]\nport = 8000\n",
}


def config(base: str, repository: str = "registry.example.com/acme/orders-api", extra: str = "") -> str:
    return f"""schema_version: 1
project:
  name: orders
  source_url: https://git.example.com/acme/orders
images:
  - name: orders-api
    repository: {repository}
    builder: oci
    base: {base}
    labels: {{team: payments}}
    layers:
      - src: app
        dest: /app
        excludes: ["__pycache__", "tests"]
      - src: bin/start
        dest: /usr/local/bin/
      - src: conf
        dest: /etc/orders
        mode: "0640"
        owner: "1000:1000"
    env: {{PYTHONPATH: /app, PATH: /usr/local/bin:/bin}}
    entrypoint: ["/usr/local/bin/start"]
    workdir: /app
    user: "1000"
    exposed_ports: ["8000"]
{extra}"""


def make(make_project, base: str, **kw) -> Path:
    proj = make_project(config(base, **kw), APP_FILES)
    (proj / "bin" / "start").chmod(0o755)
    (proj / "app" / "main.py").chmod(0o600)  # host mode must not leak: becomes 0644
    return proj


def release(proj: Path, tmp_path: Path, *args: str, cache: Path | None = None, version: str = "1.2.3"):
    env = shipit_env(SHIPIT_CACHE_DIR=str(cache or tmp_path / "cache"))
    return run_shipit("release", "--version", version, "--config", str(proj / "shipit.yaml"),
                      "--output", str(tmp_path / "out"), *args, env=env)


def image_artifact(release_dir: Path) -> dict:
    manifest = json.loads((release_dir / "manifest.json").read_text())
    [art] = [a for a in manifest["artifacts"] if a["kind"] == "image"]
    return art


def test_native_image_read_by_skopeo_and_umoci(make_project, tmp_path, busybox_base):
    require_tool("skopeo", "umoci")
    proj = make(make_project, str(busybox_base["oci-archive"]))
    proc = release(proj, tmp_path)
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "out" / "1.2.3"
    art = image_artifact(rel)
    archive = rel / "images" / "orders-api.oci.tar"
    assert art["path"] == "images/orders-api.oci.tar"
    assert art["media_type"] == "application/vnd.oci.image.layout.v1+tar"
    extra = art["extra"]
    assert extra["tags"] == ["1.2.3", "1.2", "1", extra["tags"][3]] and len(extra["tags"][3]) == 7
    assert extra["platform"] == {"os": "linux", "architecture": "amd64"}
    assert extra["builder"] == "oci" and extra["repository"] == "registry.example.com/acme/orders-api"

    inspect = json.loads(run(["skopeo", "inspect", f"oci-archive:{archive}"]).stdout)
    assert inspect["Digest"] == extra["manifest_digest"]
    assert inspect["Layers"] == [layer["digest"] for layer in extra["layers"]]
    assert len(inspect["Layers"]) == 4  # busybox + 3 layers
    assert inspect["Created"] == "2023-11-14T22:13:20Z"
    assert inspect["Labels"]["team"] == "payments"
    assert inspect["Labels"]["org.opencontainers.image.version"] == "1.2.3"
    raw = json.loads(run(["skopeo", "inspect", "--raw", f"oci-archive:{archive}"]).stdout)
    assert raw["annotations"] == {
        "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
        "org.opencontainers.image.revision": json.loads((rel / "manifest.json").read_text())["git"]["commit"],
        "org.opencontainers.image.source": "https://git.example.com/acme/orders",
        "org.opencontainers.image.title": "orders-api",
        "org.opencontainers.image.version": "1.2.3",
    }
    cfg = json.loads(run(["skopeo", "inspect", "--config", f"oci-archive:{archive}"]).stdout)
    assert cfg["config"]["Entrypoint"] == ["/usr/local/bin/start"]
    assert "Cmd" not in cfg["config"]  # ENTRYPOINT resets the base's CMD, as in a Dockerfile
    assert cfg["config"]["Env"] == ["PYTHONPATH=/app", "PATH=/usr/local/bin:/bin"]
    assert cfg["config"]["ExposedPorts"] == {"8000/tcp": {}}
    assert cfg["config"]["User"] == "1000" and cfg["config"]["WorkingDir"] == "/app"
    assert cfg["config"]["Labels"]["org.opencontainers.image.title"] == "orders-api"
    assert cfg["config"]["Labels"]["team"] == "payments"
    assert config_digest_ok(cfg, extra)

    # umoci (an independent OCI implementation) unpacks it: files, modes, owners, excludes
    layout = tmp_path / "layout"
    layout.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(layout, filter="data")
    index = json.loads((layout / "index.json").read_text())
    ref = index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"]
    assert ref == "registry.example.com/acme/orders-api:1.2.3"
    bundle = tmp_path / "bundle"
    run(["umoci", "unpack", "--image", f"{layout}:{ref}", str(bundle)])
    root = bundle / "rootfs"
    assert (root / "bin" / "busybox").is_file()
    assert (root / "app" / "main.py").read_text() == APP_FILES["app/main.py"]
    assert stat.S_IMODE((root / "app" / "main.py").stat().st_mode) == 0o644
    assert stat.S_IMODE((root / "usr/local/bin/start").stat().st_mode) == 0o755
    assert stat.S_IMODE((root / "etc/orders/app.ini").stat().st_mode) == 0o640
    assert (root / "etc/orders/app.ini").stat().st_uid == 1000
    assert (root / "app" / "main.py").stat().st_uid == 0
    assert (root / "app" / "main.py").stat().st_mtime == SDE
    assert not (root / "app" / "lib" / "__pycache__").exists()
    assert not (root / "app" / "tests").exists()
    assert (root / "app" / "lib" / "util.py").is_file()
    # our own verifier agrees with skopeo
    assert check_archive(archive, check_diff_ids=True) == extra["manifest_digest"]


def config_digest_ok(cfg: dict, extra: dict) -> bool:
    return cfg["rootfs"]["diff_ids"][0].startswith("sha256:") and extra["config_digest"].startswith("sha256:")


def test_reproducible_across_fresh_caches_and_checkouts(make_project, tmp_path, busybox_base):
    proj = make(make_project, str(busybox_base["oci-archive"]))
    # a second checkout at another path with other mtimes, umask-dependent modes and inode order
    other = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(proj, other, symlinks=True)
    for p in (other / "app").rglob("*"):
        os.utime(p, (1234567890, 1234567890))
    (other / "conf" / "app.ini").chmod(0o666)
    (other / "app" / "main.py").chmod(0o664)
    first = release(proj, tmp_path / "a", cache=tmp_path / "cache-a")
    second = release(other, tmp_path / "b", cache=tmp_path / "cache-b")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    a = tmp_path / "a" / "out" / "1.2.3" / "images" / "orders-api.oci.tar"
    b = tmp_path / "b" / "out" / "1.2.3" / "images" / "orders-api.oci.tar"
    assert image_artifact(a.parents[1])["extra"]["manifest_digest"] == \
        image_artifact(b.parents[1])["extra"]["manifest_digest"]
    assert a.read_bytes() == b.read_bytes()
    # and another SOURCE_DATE_EPOCH gives another image
    env = shipit_env(SHIPIT_CACHE_DIR=str(tmp_path / "cache-a"), SOURCE_DATE_EPOCH=str(SDE + 60))
    third = run_shipit("release", "--version", "1.2.3", "--config", str(proj / "shipit.yaml"), "--output",
                       str(tmp_path / "c"), env=env)
    assert third.returncode == 0, third.stderr
    c = tmp_path / "c" / "1.2.3" / "images" / "orders-api.oci.tar"
    assert image_artifact(c.parents[1])["extra"]["manifest_digest"] != \
        image_artifact(a.parents[1])["extra"]["manifest_digest"]


def test_layer_cache_skips_unchanged_layers(tmp_path):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "pkg" / "a.txt").write_text("a" * 10000)
    layer = LayerConfig(src="src", dest="/opt/x")
    cache = LayerCache(tmp_path / "cache")
    first = cache.layer(layer_entries(layer, tmp_path), SDE)
    second = cache.layer(layer_entries(layer, tmp_path), SDE)
    assert (cache.misses, cache.hits) == (1, 1)
    assert first.digest == second.digest and first.path == second.path
    (src / "pkg" / "a.txt").write_text("b" * 10000)
    third = cache.layer(layer_entries(layer, tmp_path), SDE)
    assert cache.misses == 2 and third.digest != first.digest
    # a damaged cache blob is a miss, not a wrong layer
    third.path.write_bytes(b"truncated")
    fourth = cache.layer(layer_entries(layer, tmp_path), SDE)
    assert fourth.digest == third.digest and cache.misses == 3
    assert verify_gzip(fourth.path)
    # the same content elsewhere (other inodes and mtimes) is found by its diff_id: no second blob
    shutil.copytree(src, tmp_path / "copy" / "src")
    fifth = cache.layer(layer_entries(layer, tmp_path / "copy"), SDE)
    assert fifth.path == fourth.path
    assert len(list((tmp_path / "cache" / "blobs" / "sha256").iterdir())) == 2


def verify_gzip(path: Path) -> bool:
    import gzip

    with gzip.open(path) as fh:
        return len(fh.read()) > 0


def test_layer_entries_sorted_with_parents_and_excludes(tmp_path):
    (tmp_path / "s" / "b").mkdir(parents=True)
    (tmp_path / "s" / "b" / "z.py").write_text("")
    (tmp_path / "s" / "a.pyc").write_text("")
    (tmp_path / "s" / "c.txt").write_text("")
    os.symlink("c.txt", tmp_path / "s" / "link")
    entries = layer_entries(LayerConfig(src="s", dest="/srv/app", excludes=["*.pyc"]), tmp_path)
    names = [e.name for e in entries]
    assert names == ["srv", "srv/app", "srv/app/b", "srv/app/b/z.py", "srv/app/c.txt", "srv/app/link"]
    assert {e.mode for e in entries if e.name == "srv/app/link"} == {0o777}
    single = layer_entries(LayerConfig(src="s/c.txt", dest="/etc/c.conf"), tmp_path)
    assert [e.name for e in single] == ["etc", "etc/c.conf"]


@pytest.mark.parametrize("kind", ["docker-archive", "oci-dir"])
def test_other_base_formats_give_the_same_image(make_project, tmp_path, busybox_base, kind):
    """docker-archive (plain layer tars, gzipped by us) and an OCI layout directory both work as bases."""
    require_tool("skopeo")
    proj = make(make_project, str(busybox_base[kind]))
    proc = release(proj, tmp_path)
    assert proc.returncode == 0, proc.stderr
    archive = tmp_path / "out" / "1.2.3" / "images" / "orders-api.oci.tar"
    inspect = json.loads(run(["skopeo", "inspect", "--config", f"oci-archive:{archive}"]).stdout)
    base = json.loads(run(["skopeo", "inspect", "--config", f"oci-archive:{busybox_base['oci-archive']}"]).stdout)
    assert inspect["rootfs"]["diff_ids"][0] == base["rootfs"]["diff_ids"][0]
    assert len(inspect["rootfs"]["diff_ids"]) == 4


def test_scratch_base(make_project, tmp_path):
    proj = make(make_project, "scratch")
    proc = release(proj, tmp_path)
    assert proc.returncode == 0, proc.stderr
    art = image_artifact(tmp_path / "out" / "1.2.3")
    assert len(art["extra"]["layers"]) == 3 and art["extra"]["base"] == "scratch"


def test_missing_base_is_a_clear_error(make_project, tmp_path):
    proj = make(make_project, "bases/nope.oci.tar")
    proc = release(proj, tmp_path)
    assert proc.returncode == 1
    assert "base 'bases/nope.oci.tar' not found" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out" / "1.2.3").exists()
    assert [p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".locks")] == []


def test_missing_layer_source_and_bad_config(make_project, tmp_path):
    proj = make_project(config("scratch").replace("src: conf", "src: missing-dir"), APP_FILES)
    proc = release(proj, tmp_path)
    assert proc.returncode == 1 and "layer source 'missing-dir' does not exist" in proc.stderr
    bad = make_project(config("scratch").replace("dest: /etc/orders", "dest: etc/orders"), APP_FILES)
    proc = release(bad, tmp_path)
    assert proc.returncode == 2
    assert "shipit.yaml:" in proc.stderr and "dest must be an absolute path" in proc.stderr


def test_custom_tags_and_invalid_tag(make_project, tmp_path):
    extra = '    tags: ["v{{ version }}", "{{ major }}-latest", "sha-{{ short_sha }}"]\n'
    proj = make_project(config("scratch", extra=extra), APP_FILES)
    proc = release(proj, tmp_path)
    assert proc.returncode == 0, proc.stderr
    tags = image_artifact(tmp_path / "out" / "1.2.3")["extra"]["tags"]
    assert tags[:2] == ["v1.2.3", "1-latest"] and tags[2].startswith("sha-")
    bad = make_project(config("scratch", extra='    tags: ["{{ version }}+x"]\n'), APP_FILES)
    proc = release(bad, tmp_path, "--force")
    assert proc.returncode == 1 and "is not a valid image tag" in proc.stderr


def test_verify_layout_archive_detects_tampering(make_project, tmp_path):
    proj = make(make_project, "scratch")
    assert release(proj, tmp_path).returncode == 0
    archive = tmp_path / "out" / "1.2.3" / "images" / "orders-api.oci.tar"
    digest = check_archive(archive)
    data = bytearray(archive.read_bytes())
    # flip one byte inside the last layer blob's data (after the first 4 KiB of headers)
    with tarfile.open(archive) as tar:
        member = max((m for m in tar.getmembers() if m.isfile()), key=lambda m: m.size)
    data[member.offset_data + member.size // 2] ^= 0xFF
    bad = tmp_path / "bad.oci.tar"
    bad.write_bytes(bytes(data))
    with pytest.raises(ShipitError, match="hashes to"):
        check_archive(bad)
    assert digest.startswith("sha256:")


def test_check_explains_builder_choice(make_project, tmp_path):
    proj = make(make_project, "scratch")
    proc = run_shipit("check", "--config", str(proj / "shipit.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from shipit.commands.check import check

    [images] = [r for r in check(proj / "shipit.yaml") if r.stage == "images"]
    assert images.notes == ["orders-api: builder oci — builder: oci in shipit.yaml"]
    auto = make_project(config("scratch").replace("builder: oci", "builder: auto"), APP_FILES)
    [images] = [r for r in check(auto / "shipit.yaml") if r.stage == "images"]
    assert images.notes == ["orders-api: builder oci — layers: given → native oci builder (reproducible, no daemon)"]
    # a missing base makes `shipit check` fail, naming it
    (auto / "shipit.yaml").write_text(config("bases/missing").replace("builder: oci", "builder: auto"))
    [images] = [r for r in check(auto / "shipit.yaml") if r.stage == "images"]
    assert not images.ok and "bases/missing not found" in images.tools[0].detail
    proc = run_shipit("check", "--config", str(auto / "shipit.yaml"))
    assert proc.returncode == 1 and "missing required tools" in proc.stderr


def test_image_config_model_rejects_layers_for_dockerfile_builders():
    with pytest.raises(ValueError, match="layers: is for the oci builder"):
        ImageConfig(name="x", builder="buildah", layers=[{"src": ".", "dest": "/"}])
    assert ImageConfig(name="x", exposed_ports=["80"]).exposed_ports == ["80/tcp"]


def test_podman_loads_native_image(make_project, tmp_path, busybox_base, short_tmp):
    """`podman load` (another consumer) accepts the archive and runs it."""
    require_tool("podman", "runc")
    from tests.images.conftest import write_store

    proj = make(make_project, str(busybox_base["oci-archive"]))
    assert release(proj, tmp_path).returncode == 0
    archive = tmp_path / "out" / "1.2.3" / "images" / "orders-api.oci.tar"
    env = write_store(short_tmp / "store")
    out = run(["podman", "load", "-i", str(archive)], env).stdout
    assert "registry.example.com/acme/orders-api:1.2.3" in out
    proc = subprocess.run(["podman", "run", "--rm", "--network=none", "registry.example.com/acme/orders-api:1.2.3"],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "started"
