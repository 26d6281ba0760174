"""The ``images:`` section of ``shipit.yaml``: one entry per container image."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from shipit.core.config import Model, ProjectPath

NAME_RE = r"^[a-z0-9][a-z0-9._-]*$"
PLATFORM_RE = r"^[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?$"
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
    base: str | dict[str, str] = Field(
        "scratch", description="oci builder: a registry image pinned by digest (REPO[:TAG]@sha256:...), an OCI "
                               "layout directory, an oci-archive or docker-archive tarball (path relative to the "
                               "project, may start with ~), or 'scratch'; with platforms:, also a mapping "
                               "platform -> base (e.g. {linux/arm64: ~/bases/debian-arm64}).")
    layers: list[LayerConfig] = Field(default_factory=list, description="oci builder: one layer per entry.")
    env: dict[str, str] = Field(default_factory=dict, description="Environment variables (added to the base's).")
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None
    workdir: str | None = None
    user: str | None = None
    exposed_ports: list[str] = Field(default_factory=list, description="e.g. ['8000/tcp'].")
    platform: str | None = Field(None, pattern=PLATFORM_RE,
                                 description="os/arch of the image (default: the base's, or linux/amd64).")
    platforms: list[str] | None = Field(
        None, min_length=1, description="Build one image per platform (os/arch[/variant], e.g. [linux/amd64, "
                                        "linux/arm64]) and write them as one OCI image index.")

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

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        seen = []
        for p in v:
            if not re.fullmatch(PLATFORM_RE, p):
                raise ValueError(f"'{p}' is not a platform like linux/amd64 or linux/arm64/v8")
            if p in seen:
                raise ValueError(f"platform '{p}' is listed twice")
            seen.append(p)
        return v

    @model_validator(mode="after")
    def _builder_inputs(self) -> ImageConfig:
        if self.builder in ("docker", "buildah") and self.layers:
            raise ValueError(f"layers: is for the oci builder; builder {self.builder} builds the Dockerfile")
        if self.platform and self.platforms:
            raise ValueError("give platform: (one image) or platforms: (an image index), not both")
        if isinstance(self.base, dict):
            if not self.platforms:
                raise ValueError("base: as a mapping (platform -> base) needs platforms: [...]")
            bad = [k for k in self.base if not re.fullmatch(PLATFORM_RE, k)]
            if bad:
                raise ValueError(f"base: key '{bad[0]}' is not a platform like linux/arm64")
            missing = [p for p in self.platforms if p not in self.base]
            extra = [k for k in self.base if k not in self.platforms]
            if missing:
                raise ValueError(f"base: names no base for platform {missing[0]} (listed in platforms:)")
            if extra:
                raise ValueError(f"base: names a base for {extra[0]}, which platforms: does not list")
        return self

    def base_for(self, platform: str | None) -> str:
        """The base of one platform: the mapping's entry, or the one base every platform starts from."""
        if isinstance(self.base, dict):
            return self.base[platform] if platform else next(iter(self.base.values()))
        return self.base

    def bases(self) -> list[str]:
        """Every distinct base, in the order of platforms:."""
        if isinstance(self.base, dict):
            return list(dict.fromkeys(self.base[p] for p in self.platforms or self.base))
        return [self.base]


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"images": (list[ImageConfig], Field(default_factory=list, description="Container images to build."))}
