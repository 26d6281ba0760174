"""Build a Dockerfile through the Docker Engine API (Docker, or podman's Docker-compatible service).

Uses the Docker SDK for Python against ``DOCKER_HOST`` (default ``unix:///var/run/docker.sock``). The
build log is streamed (shown with ``-v``); on failure the failing step and its output are shown. The
image is then saved as a ``docker-archive`` and converted to an OCI layout by shipit (gzip the plain
layer tars, keep the config bytes), so no extra tool is needed for the export.

Not reproducible: the Docker API has no way to pin timestamps (image ``created``, history, mtimes of
files a RUN step writes), so two builds of the same inputs give different digests.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from pathlib import Path

from shipit.core.errors import ShipitError
from shipit.core.tools import Tool
from shipit.images.buildah import DockerfileBuilder, _failing_step, _from_line, _hint
from shipit.images.interface import BuildRequest
from shipit.images.layout import Image, _safe_extract, load_docker_archive
from shipit.images.oci import LayerCache

DEFAULT_SOCKET = "/var/run/docker.sock"


def _client(timeout: int = 600):
    try:
        import docker  # the Docker SDK: imported only when a Docker API engine is asked for
    except ImportError:
        raise ShipitError("the Docker SDK for Python is not installed",
                          hint="pip install 'shipit[all]' (or pip install docker)") from None
    try:
        return docker.from_env(timeout=timeout)
    except docker.errors.DockerException as exc:
        raise ShipitError(f"cannot reach a Docker API engine: {exc}",
                          hint="set DOCKER_HOST (e.g. unix:///run/podman/podman.sock) or start the engine") from None


def engine_address() -> str:
    return os.environ.get("DOCKER_HOST") or f"unix://{DEFAULT_SOCKET}"


class DockerBuilder(DockerfileBuilder):
    name = "docker"

    def available(self) -> tuple[bool, str]:
        address = engine_address()
        if not os.environ.get("DOCKER_HOST") and not Path(DEFAULT_SOCKET).exists():
            return False, f"DOCKER_HOST is not set and {DEFAULT_SOCKET} does not exist"
        try:
            import docker
            from docker.errors import DockerException
            from requests.exceptions import RequestException
        except ImportError:
            return False, "the docker Python package is not installed"
        try:
            client = docker.DockerClient(base_url=address, timeout=3)
            version = client.version()
            client.close()
        except (DockerException, RequestException, OSError) as exc:  # the SDK's, HTTP's and socket errors: no engine
            return False, f"no engine answers at {address}: {type(exc).__name__}"
        name = version.get("Platform", {}).get("Name") or "engine"
        return True, f"{name} API {version.get('ApiVersion')} at {address}"

    def requirements(self) -> list[Tool]:
        return [Tool("docker-engine", why="builds the Dockerfile through the Docker API (DOCKER_HOST)",
                     probe=self.available)]

    def reproducible(self) -> bool:
        return False

    def build(self, request: BuildRequest) -> tuple[Image, str]:
        import docker

        img = request.image
        dockerfile = request.existing_dockerfile()
        platform = request.target_platform
        problem = self.platform_problem(request)
        if problem:
            raise problem
        client = _client()
        tag = f"localhost/shipit-build/{img.name}:{uuid.uuid4().hex[:12]}"
        lines: deque[str] = deque(maxlen=400)
        image_id = None
        try:
            try:
                stream = client.api.build(
                    path=str(request.resolve(img.context)), dockerfile=str(dockerfile), tag=tag,
                    buildargs=dict(img.build_args) or None, target=img.target, labels=dict(request.labels),
                    rm=True, forcerm=True, decode=True, pull=False, platform=platform,
                )
                for chunk in stream:
                    if "stream" in chunk:
                        for line in chunk["stream"].splitlines():
                            if line.strip():
                                lines.append(line)
                                request.log(line)
                    if "aux" in chunk and isinstance(chunk["aux"], dict) and chunk["aux"].get("ID"):
                        image_id = chunk["aux"]["ID"]
                    if "error" in chunk:
                        raise ShipitError(
                            f"image {img.name}: build failed: {chunk['error'].strip()}\n" + _failing_step(list(lines)),
                            hint=_hint([*lines, chunk["error"]], platform))
            except docker.errors.APIError as exc:
                raise ShipitError(f"image {img.name}: the engine refused the build: {exc.explanation or exc}",
                                  hint=f"engine at {engine_address()}") from None
            except docker.errors.DockerException as exc:
                raise ShipitError(f"image {img.name}: cannot talk to the engine at {engine_address()}: {exc}",
                                  hint="is the engine (or `podman system service`) running?") from None
            ref = image_id or tag
            archive = request.scratch_dir / "docker-archive.tar"
            with open(archive, "wb") as fh:
                for part in client.api.get_image(ref):
                    fh.write(part)
        finally:
            try:
                client.api.remove_image(tag, force=True)
            except docker.errors.APIError:  # NotFound included: the build may have failed before tagging
                pass
            client.close()
        directory = request.scratch_dir / "docker-archive"
        directory.mkdir()
        _safe_extract(archive, directory)
        image = load_docker_archive(directory, LayerCache().compress_tar, where=f"docker save of {img.name}")
        return image, _from_line(dockerfile)

