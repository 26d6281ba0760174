"""Registry faults through a faulty proxy in front of Debian's real docker-registry on 127.0.0.1: blob
uploads answered 500, 401, or cut off mid-body. Transient faults are retried and the push then completes
(and the registry serves the recorded digest); persistent ones and refusals are a clear error, and nothing
is ever reported published: the registry holds no tag of the release."""

from __future__ import annotations

import io
import json
import shutil

import pytest
from ruamel.yaml import YAML

from tests.conftest import require_tool
from tests.faults.conftest import (
    VERSION,
    assert_clean_failure,
    make_demo_project,
    shipit,
)
from tests.faults.proxy import FaultyProxy
from tests.images.conftest import Registry

pytestmark = pytest.mark.xdist_group("registry")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    require_tool("skopeo")
    registry = Registry(tmp_path_factory.mktemp("faulty-registry"))
    proxy = FaultyProxy(registry.address)
    yield registry, proxy
    proxy.stop()
    registry.stop()


@pytest.fixture(scope="module")
def images_only(tmp_path_factory):
    return make_demo_project(tmp_path_factory.mktemp("registry-project"), sections=("images",))


def cut(template, tmp_path, repository: str):
    proj = tmp_path / "proj"
    shutil.copytree(template, proj, symlinks=True)
    yaml = YAML()
    cfg = yaml.load((proj / "shipit.yaml").read_text())
    cfg["images"][0]["repository"] = repository
    cfg["images"][0]["insecure"] = True
    buf = io.StringIO()
    yaml.dump(cfg, buf)
    (proj / "shipit.yaml").write_text(buf.getvalue())
    proc = shipit("release", "--version", VERSION, "-o", str(tmp_path / "out"), "--skip", "sbom", cwd=proj,
                  extra_env={"SHIPIT_CACHE_DIR": str(tmp_path / "cache")})
    assert proc.returncode == 0, proc.stderr
    rel = tmp_path / "out" / VERSION
    image = next(a for a in json.loads((rel / "manifest.json").read_text())["artifacts"] if a["kind"] == "image")
    return proj, rel, image["extra"]


def publish(proj, rel, tmp_path, retries: int, *flags: str):
    # HOME in tmp: no auth file of the machine is used
    return shipit("publish", str(rel), "--insecure", "--retries", str(retries), *flags, cwd=proj,
                  extra_env={"HOME": str(tmp_path / "home"),
                             "REGISTRY_AUTH_FILE": str(tmp_path / "home" / "none.json")})


@pytest.mark.parametrize("kind", ["500", "drop"])
def test_transient_faults_are_retried_then_published(faulty, images_only, tmp_path, kind):
    registry, proxy = faulty
    proj, rel, extra = cut(images_only, tmp_path, f"{proxy.address}/acme/retried-{kind}")
    fault = proxy.set(kind, times=2)
    proc = publish(proj, rel, tmp_path, 3, "-v")  # -v after the subcommand: the retries are logged
    assert proc.returncode == 0, proc.stderr
    # skopeo uploads blobs in parallel: the two failures may fall in one attempt or two
    assert fault.failed == 2 and 1 <= proc.stderr.count("retrying in") <= 2, (fault.log, proc.stderr)
    assert registry.tags(f"acme/retried-{kind}") == sorted(extra["tags"])
    assert extra["manifest_digest"] in proc.stdout  # the table of what was published: the recorded digest


@pytest.mark.parametrize(("kind", "expect"), [
    ("500", "gave up after 2 attempts"),
    ("drop", "gave up after 2 attempts"),
    ("401", "was refused"),
])
def test_persistent_faults_fail_and_nothing_is_published(faulty, images_only, tmp_path, kind, expect):
    registry, proxy = faulty
    proj, rel, extra = cut(images_only, tmp_path, f"{proxy.address}/acme/failing-{kind}")
    fault = proxy.set(kind)
    proc = publish(proj, rel, tmp_path, retries=1)
    assert_clean_failure(proc, 1)
    assert expect in proc.stderr, proc.stderr
    assert proc.stdout == ""  # no table of published images
    assert registry.tags(f"acme/failing-{kind}") == []  # nothing is tagged at the registry
    if kind == "401":
        assert "hint: log in" in proc.stderr
        assert "gave up after" not in proc.stderr  # a refusal is not retried (skopeo asks once per blob)
    proxy.set("none")
    again = publish(proj, rel, tmp_path, retries=1)  # the same release publishes once the registry is healthy
    assert again.returncode == 0, again.stderr
    assert registry.tags(f"acme/failing-{kind}") == sorted(extra["tags"])
