"""Image SBOM: OCI layout → replayed layers → catalogued packages → validated CycloneDX bytes.

The document is written by :mod:`shipit.sbom.document` (the bytes cyclonedx-python-lib would write,
without its object model) and validated against the library's strict 1.6 schema before it is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from shipit.core.errors import ShipitError
from shipit.images.layout import ImageRef, MiB, OciLayout
from shipit.sbom.catalog import Distro, Package, catalog, distro, wanted
from shipit.sbom.document import dumps, image_document
from shipit.sbom.replay import replay_layers
from shipit.sbom.validate import problem


@dataclass
class ImageSbom:
    document: bytes
    image: ImageRef
    packages: list[Package]
    distro: Distro
    warnings: list[str] = field(default_factory=list)


def scan_image(
    archive: Path,
    *,
    name: str,
    version: str,
    timestamp: datetime,
    manifest_digest: str | None = None,
    repository: str = "",
    supplier: str = "",
    max_read_mb: int = 256,
    max_layer_mb: int = 16384,
    warn: Callable[[str], None] | None = None,
    platform: str | None = None,
) -> ImageSbom:
    """Catalogue the image in ``archive`` (OCI layout tar or directory) and build its SBOM; of a
    multi-platform image, the platform whose manifest is ``manifest_digest`` (``platform`` names it)."""
    warnings: list[str] = []

    def note(msg: str) -> None:
        warnings.append(msg)
        if warn:
            warn(msg)

    with OciLayout(archive) as layout:
        image = layout.image(manifest_digest)
        fs = replay_layers(layout, image, wanted, max_read_bytes=max_read_mb * MiB,
                           max_layer_bytes=max_layer_mb * MiB, warn=note)
    packages = catalog(fs, note)
    dist = distro(fs)
    doc = image_document(name=name, version=version, manifest_digest=image.manifest_digest, repository=repository,
                         packages=packages, distro=dist, timestamp=timestamp, supplier=supplier,
                         architecture=platform.split("/")[1] if platform and "/" in platform else "")
    error = problem(doc, "1.6")
    if error is not None:
        raise ShipitError(f"SBOM of image {name}: the generated CycloneDX document is not valid: {error}",
                          hint="this is a bug in shipit; rerun with -v and report it")
    return ImageSbom(dumps(doc), image, packages, dist, warnings)
