"""Build a Dockerfile with the buildah CLI, reproducibly.

``buildah bud --timestamp $SOURCE_DATE_EPOCH`` pins every timestamp buildah writes (image created time,
history, file mtimes in new layers), ``--layers=false`` squashes the build into one new layer, and
``--isolation chroot`` runs RUN steps without a container runtime. The result is pushed to an OCI
layout directory (``oci:DIR``), whose blobs are deterministic; the tar around it is written by shipit,
because buildah's own ``oci-archive:`` tar headers differ per run.

Storage: buildah's usual store, or whatever ``CONTAINERS_STORAGE_CONF`` points at (CI and the tests use
a vfs store in a temporary directory).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections import deque
from pathlib import Path

from shipit.core.errors import ShipitError
from shipit.core.tools import Tool
from shipit.images.interface import Builder, BuildRequest
from shipit.images.layout import Image, load_layout


def _failing_step(lines: list[str]) -> str:
    """The last ``STEP n/m: ...`` (``Step n/m`` for Docker) line and what followed it; buildah, podman and Docker."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("STEP ") or lines[i].startswith("Step "):
            return "\n".join(lines[i:][-40:])
    return "\n".join(lines[-40:])


class BuildahBuilder(Builder):
    name = "buildah"

    def __init__(self, executable: str = "buildah"):
        self.executable = executable

    def available(self) -> tuple[bool, str]:
        path = shutil.which(self.executable)
        if not path:
            return False, "buildah is not installed"
        try:
            proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"buildah does not run: {exc}"
        return proc.returncode == 0, proc.stdout.strip() or proc.stderr.strip()

    def requirements(self) -> list[Tool]:
        return [Tool("buildah", why="builds the Dockerfile reproducibly (--timestamp)",
                     install_hint="apt-get install buildah")]

    def _run(self, args: list[str], request: BuildRequest, what: str, stream: bool = False) -> list[str]:
        cmd = [self.executable, *args]
        lines: deque[str] = deque(maxlen=400)
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    errors="replace", cwd=request.project_dir)
        except OSError as exc:
            raise ShipitError(f"cannot run buildah: {exc}", hint="install buildah or use builder: oci") from None
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            if stream:
                request.log(line)
        rc = proc.wait()
        if rc != 0:
            raise ShipitError(f"image {request.image.name}: buildah {what} failed (exit {rc}):\n"
                              + _failing_step(list(lines)),
                              hint="rerun with -v to see the whole build log")
        return list(lines)

    def build(self, request: BuildRequest) -> tuple[Image, str]:
        img = request.image
        dockerfile = request.existing_dockerfile()
        tag = f"localhost/shipit-build/{img.name}:{uuid.uuid4().hex[:12]}"
        args = ["bud", "--isolation", "chroot", "--timestamp", str(request.source_date_epoch),
                "--layers=false", "--format", "oci", "-f", str(dockerfile), "-t", tag]
        for key, value in sorted(request.labels.items()):
            args += ["--label", f"{key}={value}"]
        for key, value in img.build_args.items():
            args += ["--build-arg", f"{key}={value}"]
        if img.target:
            args += ["--target", img.target]
        args.append(str(request.resolve(img.context)))
        env_note = os.environ.get("CONTAINERS_STORAGE_CONF")
        request.log(f"buildah bud ({'store from ' + env_note if env_note else 'default store'})")
        try:
            self._run(args, request, "build", stream=True)
            out = request.scratch_dir / "buildah-oci"
            self._run(["push", "--quiet", tag, f"oci:{out}"], request, "push to an OCI layout")
        finally:
            subprocess.run([self.executable, "rmi", "--force", tag], capture_output=True, check=False)
        base = _from_line(dockerfile)
        return load_layout(out, where=f"buildah output of {img.name}"), base


def _from_line(dockerfile: Path) -> str:
    """The last FROM of the Dockerfile (the base of the final stage), for the manifest."""
    base = ""
    for line in dockerfile.read_text(errors="replace").splitlines():
        parts = line.strip().split()
        if parts and parts[0].upper() == "FROM" and len(parts) > 1:
            base = next((p for p in parts[1:] if not p.startswith("--")), "")
    return base
