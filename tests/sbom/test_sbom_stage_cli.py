"""The ``sbom`` stage inside a release, and the ``shipit sbom`` commands (real CLI in a subprocess)."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

from shipit.config import load_config
from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, Version, git_info
from shipit.core.files import write_json
from shipit.core.runner import run_stages
from shipit.core.seals import build_manifest
from shipit.sbom.stage import SbomStage
from tests.conftest import run_shipit

from .conftest import load, validate
from .ocitools import entries_layer, write_layout

DEPS = {"requirements.txt": "fastapi==0.110.0\nsqlalchemy==2.0.30\n",
        "pyproject.toml": '[project]\nname = "orders"\nversion = "0.0.0"\nlicense = "Apache-2.0"\n'
                          'dependencies = ["fastapi", "sqlalchemy"]\n'}
LAYER = [("file", "etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
         ("file", "lib/apk/db/installed", "P:musl\nV:1.2.4-r4\nA:x86_64\nL:MIT\n\n"),
         ("file", "app/site/fastapi-0.110.0.dist-info/METADATA", "Name: fastapi\nVersion: 0.110.0\nLicense: MIT\n")]


def _context(project: Path, out: Path) -> ReleaseContext:
    cfg = load_config(project / "shipit.yaml")
    work = out / ".staging"
    work.mkdir(parents=True)
    return ReleaseContext(config=cfg, version=Version("1.2.0"), git=git_info(project), source_date_epoch=1700000000,
                          output_root=out, work_dir=work)


def _add_image(ctx: ReleaseContext, tmp_path: Path, name: str = "api") -> str:
    archive = tmp_path / f"{name}.oci.tar"
    digest = write_layout(archive, [entries_layer(LAYER, gz=True)])
    rel = f"images/{name}.oci.tar"
    shutil.copy(archive, ctx.path(rel))
    ctx.artifacts.add(rel, Kind.IMAGE, name=name, manifest_digest=digest, repository=f"registry.example.com/{name}",
                      tags=["1.2.0"])
    return digest


def test_stage_writes_and_registers_image_and_source_sboms(make_project, tmp_path):
    project = make_project(files=DEPS)
    ctx = _context(project, tmp_path / "release")
    digest = _add_image(ctx, tmp_path)
    results = run_stages(ctx, [SbomStage()])
    assert [(r.name, r.status, r.artifacts) for r in results] == [("sbom", "passed", 2)]
    image_sbom = ctx.artifacts.get("sbom/api.cdx.json")
    assert image_sbom.kind == Kind.SBOM and image_sbom.name == "api"
    assert image_sbom.extra["image_digest"] == digest and image_sbom.extra["packages"] == {"apk": 1, "pypi": 1}
    doc = load((ctx.work_dir / "sbom/api.cdx.json").read_bytes())
    assert doc["metadata"]["component"]["version"] == "1.2.0"
    assert doc["metadata"]["component"]["purl"] == f"pkg:oci/api@{digest}?repository_url=registry.example.com/api"
    source = ctx.artifacts.get("sbom/source.cdx.json")
    assert source.name == "source" and source.extra["input"] == "requirements.txt"
    src = (ctx.work_dir / "sbom/source.cdx.json").read_bytes()
    validate(src)
    src_doc = load(src)
    root = src_doc["metadata"]["component"]
    assert (root["name"], root["version"]) == ("orders", "1.2.0")
    purls = sorted(c["purl"] for c in src_doc["components"])
    assert purls == ["pkg:pypi/fastapi@0.110.0", "pkg:pypi/sqlalchemy@2.0.30"]
    assert src_doc["metadata"]["timestamp"].startswith("2023-11-14T22:13:20")


def test_stage_keeps_an_sbom_registered_by_an_earlier_stage(make_project, tmp_path):
    ctx = _context(make_project(), tmp_path / "release")
    _add_image(ctx, tmp_path)
    ctx.path("sbom/api.cdx.json").write_text("{}")
    ctx.artifacts.add("sbom/api.cdx.json", Kind.SBOM, name="api", image_digest="sha256:" + "0" * 64)
    results = run_stages(ctx, [SbomStage()])
    assert (results[0].status, results[0].artifacts) == ("passed", 0)
    assert (ctx.work_dir / "sbom/api.cdx.json").read_text() == "{}"


def test_stage_skips_without_images_or_dependencies(make_project, tmp_path):
    ctx = _context(make_project(), tmp_path / "release")
    results = run_stages(ctx, [SbomStage()])
    assert results[0].status == "skipped" and "no images" in results[0].reason
    disabled = make_project(config="schema_version: 1\nproject:\n  name: demo\nsbom:\n  enabled: false\n",
                            files=DEPS, git=False)
    ctx2 = _context(disabled, tmp_path / "release2")
    assert run_stages(ctx2, [SbomStage()])[0].reason == "sbom.enabled is false in shipit.yaml"


def test_source_from_poetry_uv_and_bare_pyproject(make_project, tmp_path):
    from datetime import datetime, timezone

    from shipit.sbom.source import source_sbom

    ts = datetime.fromtimestamp(0, tz=timezone.utc)
    uv = make_project(files={"pyproject.toml": DEPS["pyproject.toml"], "uv.lock": (
        'version = 1\n[[package]]\nname = "orders"\nversion = "0.0.0"\nsource = { editable = "." }\n'
        '[[package]]\nname = "anyio"\nversion = "4.4.0"\nsource = { registry = "https://index.example/simple" }\n')},
        git=False)
    r = source_sbom(uv, "auto", name="orders", version="1.0.0", timestamp=ts)
    validate(r.document)
    assert r.kind == "uv" and [c["purl"] for c in load(r.document)["components"]] == ["pkg:pypi/anyio@4.4.0"]
    bare = source_sbom(uv, "pyproject.toml", name="orders", version="1.0.0", timestamp=ts)
    assert bare.kind == "pyproject" and sorted(c["name"] for c in load(bare.document)["components"]) == \
        ["fastapi", "sqlalchemy"]


def test_release_end_to_end_records_the_source_sbom(make_project, tmp_path):
    project = make_project(files=DEPS)
    proc = run_shipit("release", "--version", "1.0.0", "--output", str(tmp_path / "rel"), cwd=project)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "rel/1.0.0/manifest.json").read_text())
    sboms = [a for a in manifest["artifacts"] if a["kind"] == "sbom"]
    assert [(a["path"], a["media_type"]) for a in sboms] == [("sbom/source.cdx.json", "application/vnd.cyclonedx+json")]
    released = (tmp_path / "rel/1.0.0/sbom/source.cdx.json").read_bytes()
    validate(released)
    # the same commit gives the same bytes (here in-process: same project, version and source date)
    from shipit.sbom.source import source_sbom

    again = source_sbom(project, "auto", name="demo", version="1.0.0",
                        timestamp=datetime.fromtimestamp(int(manifest["source_date_epoch"]), tz=timezone.utc))
    assert again.document == released


def test_cli_image_show_and_release_recheck(make_project, tmp_path):
    archive = tmp_path / "api.oci.tar"
    digest = write_layout(archive, [entries_layer(LAYER)])
    out = tmp_path / "api.cdx.json"
    proc = run_shipit("sbom", "--image", str(archive), "--version", "3.0.0", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "2 packages" in proc.stderr
    doc = load(out.read_bytes())
    assert doc["metadata"]["component"]["name"] == "api" and doc["metadata"]["component"]["version"] == "3.0.0"
    assert doc["metadata"]["component"]["purl"] == f"pkg:oci/api@{digest}"
    stdout = run_shipit("sbom", "--image", str(archive), "--version", "3.0.0")
    assert stdout.stdout.encode() == out.read_bytes()  # stdout is the same document

    show = run_shipit("sbom", "show", str(out))
    assert show.returncode == 0, show.stderr
    text = show.stdout
    assert "valid" in text and "library" in text and "operating-system" in text
    assert "purl pkg:apk" in text and "MIT" in text and "Components without a license (0)" in text

    # --release: re-derive a finished release's SBOMs outside it and compare
    project = make_project()
    ctx = _context(project, tmp_path / "release")
    _add_image(ctx, tmp_path)
    run_stages(ctx, [SbomStage()])
    release = tmp_path / "release" / "1.2.0"
    write_json(ctx.work_dir / "manifest.json", build_manifest(ctx, []))
    ctx.work_dir.rename(release)
    proc = run_shipit("sbom", "--release", str(release), "-o", str(tmp_path / "recheck"))
    assert proc.returncode == 0, proc.stderr
    assert "identical to the release's SBOM" in proc.stdout
    (release / "sbom/api.cdx.json").write_text("{}")
    proc = run_shipit("sbom", "--release", str(release), "-o", str(tmp_path / "recheck"))
    assert proc.returncode == 1 and "differs" in proc.stdout
    inside = run_shipit("sbom", "--release", str(release), "-o", str(release / "x"))
    assert inside.returncode == 2 and "inside the release" in inside.stderr


def test_cli_errors_are_clear(tmp_path):
    good = entries_layer([("file", "a-1.dist-info/METADATA", "Name: a\nVersion: 1\n")], gz=True)
    from .ocitools import Blob

    broken = Blob(data=good.data[:-20], media_type=good.media_type)
    archive = tmp_path / "broken.oci.tar"
    write_layout(archive, [broken])
    proc = run_shipit("sbom", "--image", str(archive))
    assert proc.returncode == 1
    assert f"layer {broken.digest_size()[0]}" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    notjson = tmp_path / "x.cdx.json"
    notjson.write_text('{"a": ')
    proc = run_shipit("sbom", "show", str(notjson))
    assert proc.returncode == 1 and f"{notjson}:1:" in proc.stderr and "not valid JSON" in proc.stderr
    proc = run_shipit("sbom")
    assert proc.returncode == 2 and "choose one of" in proc.stderr


def test_init_starter_sbom_section_validates(tmp_path):
    import re

    from shipit.commands.init import render_init

    text = render_init(tmp_path)
    assert "# sbom:" in text
    enabled = re.sub(r"^# (sbom:)$", r"\1", text, flags=re.M)
    enabled = re.sub(r"^#   (enabled|source|max_read_mb|max_layer_mb):", r"  \1:", enabled, flags=re.M)
    (tmp_path / "shipit.yaml").write_text(enabled)
    cfg = load_config(tmp_path / "shipit.yaml")
    assert cfg.sbom.source == "auto" and cfg.sbom.max_read_mb == 256
    (tmp_path / "shipit.yaml").write_text(enabled.replace("max_read_mb: 256", "max_read_mb: 0"))
    import pytest

    from shipit.core.errors import ConfigError

    with pytest.raises(ConfigError, match=r"shipit.yaml:\d+:\d+: sbom.max_read_mb"):
        load_config(tmp_path / "shipit.yaml")


def test_demo_source_sbom_lists_exactly_its_pinned_requirements():
    import re

    from shipit.sbom.source import source_sbom
    from tests.conftest import DEMO

    cfg = load_config(DEMO / "shipit.yaml")
    result = source_sbom(DEMO, cfg.sbom.source, name=cfg.project.name, version="1.0.0",
                         timestamp=datetime.fromtimestamp(0, tz=timezone.utc))
    validate(result.document)
    pins = set()
    for line in (DEMO / "requirements.txt").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;]+)", line)
        if m:
            pins.add((re.sub(r"[-_.]+", "-", m.group(1)).lower(), m.group(2)))
    got = {(c["purl"].split("/", 1)[1].split("@")[0], c["version"]) for c in load(result.document)["components"]}
    assert got == pins and len(pins) >= 5
    assert load(result.document)["metadata"]["component"]["name"] == "orders-service"
