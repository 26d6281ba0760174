"""The demo's image: the Debian base from scripts/build-debian-base.sh (built once, cached under
~/.cache/shipit/bases) + the orders service, built by the native builder and run with podman."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from shipit.config import load_config
from shipit.images.build import build_image, oci_annotations
from tests.conftest import DEMO, require_tool
from tests.images.conftest import SDE, run, write_store


@pytest.mark.slow
@pytest.mark.xdist_group("demo-base")
def test_demo_image_runs_the_service(tmp_path, debian_base, short_tmp):
    require_tool("podman", "runc", "skopeo")
    cfg = load_config(DEMO / "shipit.yaml")
    [image] = cfg.images
    assert image.builder == "oci" and Path(image.base_for("linux/amd64")).expanduser() == debian_base
    out = tmp_path / "orders-service.oci.tar"
    outcome = build_image(image, project_dir=DEMO, out=out, source_date_epoch=SDE, tags=["1.0.0"],
                          annotations=oci_annotations(version="1.0.0", revision="", created="2023-11-14T22:13:20Z",
                                                      source=cfg.project.source_url, title=image.name),
                          log=lambda _line: None)
    inspect = json.loads(run(["skopeo", "inspect", f"oci-archive:{out}"]).stdout)  # this machine's: amd64
    assert inspect["Digest"] == outcome.extra["manifest_digest"]  # the image index
    assert inspect["Architecture"] == "amd64"
    assert len(inspect["Layers"]) == 2 + len(image.layers)  # Debian rootfs + wheels + the service's layers

    env = write_store(short_tmp / "store", driver="overlay")
    run(["podman", "load", "-i", str(out)], env)
    ref = f"{image.repository}:1.0.0"
    probe = ("import time, urllib.request as u\n"
             "for _ in range(300):\n"
             "    try:\n"
             "        print(u.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status); break\n"
             "    except OSError:\n"
             "        time.sleep(0.1)\n")
    script = ("python3 -m alembic upgrade head >/dev/null 2>&1 || exit 7; "
              f"python3 -m orders & python3 -c \"{probe}\"; id -u")
    proc = subprocess.run(["podman", "run", "--rm", "--network=none", ref, "sh", "-c", script],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.split()[-2:] == ["200", "10001"]
    # overlay mounts must go before the store directory is removed
    subprocess.run(["podman", "system", "reset", "--force"], env={**os.environ, **env}, capture_output=True,
                   timeout=120)
