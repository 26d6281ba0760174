"""The ``sbom:`` section of shipit.yaml."""

from __future__ import annotations

from pydantic import Field

from shipit.core.config import Model, ProjectPath


class SbomConfig(Model):
    """SBOMs of every image (from its own layers) and of the project's Python dependencies."""

    enabled: bool = Field(True, description="Write SBOMs (sbom/<image>.cdx.json, sbom/source.cdx.json).")
    source: ProjectPath = Field(
        "auto",
        description="Dependency file for sbom/source.cdx.json, relative to the project: 'auto' (poetry.lock, "
                    "Pipfile.lock, uv.lock, requirements.lock, requirements.txt, pyproject.toml), a path, or 'none'.",
    )
    max_read_mb: int = Field(256, ge=1,
                             description="Cap on catalogue bytes (package databases, metadata) read per image.")
    max_layer_mb: int = Field(16384, ge=1, description="Cap on uncompressed layer bytes streamed per image.")


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"sbom": (SbomConfig, Field(default_factory=SbomConfig, description="SBOMs of images and source dependencies."))}
