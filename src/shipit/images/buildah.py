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
import platform as platform_module
import shutil
import subprocess
import uuid
from collections import deque
from pathlib import Path

from shipit.core.errors import ShipitError
from shipit.core.tools import Tool
from shipit.images.interface import Builder, BuildRequest
from shipit.images.layout import Image, load_layout


_ARCH_OF_MACHINE = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "armv7l": "arm",
                    "ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "i686": "386"}
_QEMU_NAME = {"amd64": "x86_64", "arm64": "aarch64", "arm": "arm", "386": "i386", "ppc64le": "ppc64le",
              "s390x": "s390x", "riscv64": "riscv64"}
BINFMT_DIR = Path("/proc/sys/fs/binfmt_misc")


def host_platform() -> str:
    return f"linux/{_ARCH_OF_MACHINE.get(platform_module.machine(), platform_module.machine())}"


def can_run(arch: str) -> tuple[bool, str]:
    """Whether this machine can run ``arch`` binaries (natively, or through a binfmt_misc emulator)."""
    host = host_platform().split("/")[1]
    if arch == host or (host == "amd64" and arch == "386"):
        return True, "native"
    entry = BINFMT_DIR / f"qemu-{_QEMU_NAME.get(arch, arch)}"
    try:
        if entry.is_file() and entry.read_text().splitlines()[0].strip() == "enabled":
            return True, f"emulated ({entry})"
    except (OSError, IndexError):
        pass
    return False, (f"this machine is {host} and no binfmt_misc emulator for {arch} is registered ({entry} "
                   "is missing)")


def foreign_run_steps(dockerfile: Path, platform: str) -> list[tuple[int, str]]:
    """The RUN steps (line, text) that would execute ``platform`` binaries: those of every stage whose
    FROM does not pin ``--platform=$BUILDPLATFORM`` (or the host's platform)."""
    host = host_platform()
    steps, native = [], False
    for lineno, line in enumerate(dockerfile.read_text(errors="replace").splitlines(), 1):
        words = line.strip().split()
        if not words or words[0].startswith("#"):
            continue
        op = words[0].upper()
        if op == "FROM":
            flags = [w.split("=", 1)[1] for w in words[1:] if w.startswith("--platform=")]
            native = bool(flags) and flags[0] in ("$BUILDPLATFORM", "${BUILDPLATFORM}", host)
        elif op == "RUN" and not native:
            steps.append((lineno, line.strip()))
    return steps


def foreign_run_problem(dockerfile: Path, image: str, platform: str | None) -> ShipitError | None:
    """An error if building ``platform`` would run foreign binaries this machine cannot run."""
    if not platform:
        return None
    arch = platform.split("/")[1]
    runnable, why = can_run(arch)
    steps = foreign_run_steps(dockerfile, platform) if not runnable else []
    if not steps:
        return None
    lineno, text = steps[0]
    return ShipitError(
        f"image {image}: {platform}: {dockerfile.name}:{lineno}: {text[:80]} would run {arch} binaries, and {why}",
        hint="register an emulator (apt-get install qemu-user-static binfmt-support, or docker run --privileged "
             "tonistiigi/binfmt --install all), build on an arm64 machine, drop the RUN steps for this platform "
             "(FROM --platform=$BUILDPLATFORM for build stages), or use builder: oci (base + layers, no RUN)")


def _failing_step(lines: list[str]) -> str:
    """The last ``STEP n/m: ...`` (``Step n/m`` for Docker) line and what followed it; buildah, podman and Docker."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].startswith("STEP ") or lines[i].startswith("Step "):
            return "\n".join(lines[i:][-40:])
    return "\n".join(lines[-40:])


class DockerfileBuilder(Builder):
    """What the builders of a Dockerfile (buildah, a Docker API engine) share."""

    def platform_problem(self, request: BuildRequest) -> ShipitError | None:
        """RUN steps of a foreign platform need an emulator (binfmt_misc); say so before building anything."""
        return foreign_run_problem(request.existing_dockerfile(), request.image.name, request.target_platform)


class BuildahBuilder(DockerfileBuilder):
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
                              + _failing_step(list(lines)), hint=_hint(lines, request.target_platform))
        return list(lines)

    def build(self, request: BuildRequest) -> tuple[Image, str]:
        img = request.image
        dockerfile = request.existing_dockerfile()
        platform = request.target_platform
        problem = self.platform_problem(request)
        if problem:
            raise problem
        tag = f"localhost/shipit-build/{img.name}:{uuid.uuid4().hex[:12]}"
        args = ["bud", "--isolation", "chroot", "--timestamp", str(request.source_date_epoch),
                "--layers=false", "--format", "oci", "-f", str(dockerfile), "-t", tag]
        if platform:
            args += ["--platform", platform]
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


def _hint(lines, platform: str | None) -> str:
    text = "\n".join(lines).lower()
    if "exec format error" in text:
        return (f"a RUN step executed a binary of another architecture ({platform or 'the base'}'s) and this "
                "machine cannot run it: register an emulator (qemu-user-static + binfmt_misc) or drop the RUN step")
    return "rerun with -v to see the whole build log"


def _from_line(dockerfile: Path) -> str:
    """The last FROM of the Dockerfile (the base of the final stage), for the manifest."""
    base = ""
    for line in dockerfile.read_text(errors="replace").splitlines():
        parts = line.strip().split()
        if parts and parts[0].upper() == "FROM" and len(parts) > 1:
            base = next((p for p in parts[1:] if not p.startswith("--")), "")
    return base
