"""`shipit publish` with nothing to publish says so and exits 1."""

from __future__ import annotations

from tests.conftest import run_shipit


def test_publish_without_images_or_site_is_an_error(make_project):
    proj = make_project()
    run_shipit("release", "--version", "1.0.0", cwd=proj, check=True)
    proc = run_shipit("publish", str(proj / "release/1.0.0"))
    assert proc.returncode == 1
    assert "nothing to publish" in proc.stderr and "--site-to" in proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
