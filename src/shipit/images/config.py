"""The ``images:`` section of ``shipit.yaml``: one entry per container image."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from shipit.core.config import Model, ProjectPath

NAME_RE = r"^[a-z0-9][a-z0-9._-]*$"
# <registry[:port]/>path[/path...] without tag or digest (tags come from `tags:`).
REPOSITORY_RE = r"^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$"


class LayerConfig(Model):
    """One layer of the native builder: a file or directory of the project copied to ``dest``."""

    src: ProjectPath = Field(description="File or directory, relative to the project directory.")
    dest: str = Field(description="Absolute path inside the image (a directory's contents go below it).")
    mode: str | None = Field(None, pattern=r"^0?[0-7]{3,4}$",
                             description="Octal mode for every file (default: 0755 if executable in the "
                                         "source, else 0644; directories 0755).")
    owner: str = Field("0:0", pattern=r"^[0-9]+:[0-9]+$", description="Numeric uid:gid of every entry.")
    excludes: list[str] = Field(default_factory=list,
                                description="Glob patterns (on the path relative to src, or any name in it) "
                                            "to leave out, e.g. '__pycache__', '*.pyc', 'tests/*'.")

    @field_validator("dest")
    @classmethod
    def _absolute(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("dest must be an absolute path inside the image, e.g. /app")
        return v


class ImageConfig(Model):
    """A container image of the release."""

    name: str = Field(pattern=NAME_RE, description="Image name; the archive is images/<name>.oci.tar.")
    repository: str = Field("", pattern=r"^$|" + REPOSITORY_RE[1:],
                            description="Where `shipit publish` pushes, e.g. registry.example.com/acme/orders-api.")
    builder: Literal["auto", "docker", "buildah", "oci"] = Field(
        "auto", description="auto: docker if an engine answers and a Dockerfile exists, else buildah if "
                            "installed and a Dockerfile exists, else the native oci builder.")
    tags: list[str] | None = Field(
        None, description="Tag templates (Jinja2: version, major, minor, patch, short_sha, commit). Default: "
                          "the version's tag set plus the short git sha.")
    labels: dict[str, str] = Field(default_factory=dict, description="Config labels.")
    insecure: bool = Field(False, description="The registry speaks plain HTTP / has an untrusted certificate.")
    # docker / buildah
    context: ProjectPath = Field(".", description="Build context directory (docker, buildah).")
    dockerfile: ProjectPath | None = Field(None, description="Dockerfile path relative to the project (default "
                                                     "<context>/Dockerfile).")
    build_args: dict[str, str] = Field(default_factory=dict, description="--build-arg values.")
    target: str | None = Field(None, description="Multi-stage target.")
    # native builder
    base: str = Field("scratch", description="oci builder: an OCI layout directory, an oci-archive or "
                                             "docker-archive tarball (path relative to the project, may "
                                             "start with ~), or 'scratch'.")
    layers: list[LayerConfig] = Field(default_factory=list, description="oci builder: one layer per entry.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables (added to the base's).")
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    workdir: str | None = None
    user: str | None = None
    exposed_ports: list[str] = Field(default_factory=list, description="e.g. ['8000/tcp'].")
    platform: str | None = Field(None, pattern=r"^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?$",
                                 description="os/arch of the image (default: the base's, or linux/amd64).")

    @field_validator("exposed_ports")
    @classmethod
    def _ports(cls, v: list[str]) -> list[str]:
        out = []
        for p in v:
            p = str(p)
            if not re.fullmatch(r"[0-9]+(/(tcp|udp|sctp))?", p):
                raise ValueError(f"'{p}' is not a port like 8000 or 8000/tcp")
            out.append(p if "/" in p else p + "/tcp")
        return out

    @model_validator(mode="after")
    def _builder_inputs(self) -> ImageConfig:
        if self.builder in ("docker", "buildah") and self.layers:
            raise ValueError(f"layers: is for the oci builder; builder {self.builder} builds the Dockerfile")
        return self


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"images": (list[ImageConfig], Field(default_factory=list, description="Container images to build."))}
