"""The one small interface every image builder implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.tools import Tool
from shipit.images.config import ImageConfig
from shipit.images.layout import Image


@dataclass
class BuildRequest:
    """Everything a builder needs for one image."""

    image: ImageConfig
    project_dir: Path
    source_date_epoch: int
    labels: dict[str, str]          # user labels + the OCI annotation keys, applied to the config
    scratch_dir: Path               # a private temporary directory the builder may use
    log: Callable[[str], None] = print  # one line of build output (shown with -v)
    verbose: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    #: the one platform to build (os/arch[/variant]); None: the image's ``platform:``, else the base's
    platform: str | None = None
    #: a registry base given by tag only is allowed (``--snapshot``), with a warning
    allow_unpinned: bool = False
    warn: Callable[[str], None] = lambda _m: None
    #: filled by the builder: what to record about the base (a :class:`shipit.images.bases.BaseFacts`)
    base_facts: Any = None

    @property
    def target_platform(self) -> str | None:
        return self.platform or self.image.platform

    def resolve(self, rel: str) -> Path:
        """A path from shipit.yaml: relative to the project directory, '~' expanded."""
        p = Path(rel).expanduser()
        return p if p.is_absolute() else self.project_dir / p

    @property
    def dockerfile(self) -> Path:
        img = self.image
        return self.resolve(img.dockerfile) if img.dockerfile else self.resolve(img.context) / "Dockerfile"

    def existing_dockerfile(self) -> Path:
        """The Dockerfile, which the Dockerfile builders need to exist."""
        if not self.dockerfile.is_file():
            raise ShipitError(f"image {self.image.name}: Dockerfile {self.dockerfile} not found",
                              hint="set images[].dockerfile / context, or use builder: oci")
        return self.dockerfile


class Builder(ABC):
    """Builds one image and hands it over as config bytes + compressed layer blobs."""

    #: the value of ``builder:`` in shipit.yaml that selects this builder
    name: str = ""

    @abstractmethod
    def available(self) -> tuple[bool, str]:
        """Whether this builder can run here, and a one-line reason (shown by ``shipit check``)."""

    @abstractmethod
    def requirements(self) -> list[Tool]:
        """External tools (or services) the builder needs, for ``shipit check``."""

    @abstractmethod
    def build(self, request: BuildRequest) -> tuple[Image, str]:
        """Build the image; return it and a description of its base (recorded in the manifest).

        Raise :class:`shipit.errors.ShipitError` with the failing step and its output on failure.
        Blobs may live in ``request.scratch_dir`` or in a cache; they are read before it is removed.
        """

    def platform_problem(self, request: BuildRequest) -> ShipitError | None:
        """Why this builder cannot build ``request.target_platform`` here (checked for every platform
        before any is built), or None."""
        return None

    def reproducible(self) -> bool:
        """True when the same inputs and SOURCE_DATE_EPOCH give the same manifest digest."""
        return True
