"""What ``shipit verify`` checks about the images: each archive's blobs hash to their names and its
manifest is the recorded digest; for a multi-platform image, the image index is the recorded digest and
lists exactly the recorded platforms, each with its recorded manifest, whose config names that platform."""

from __future__ import annotations

from typing import Any

from shipit.core.verify import CheckResult, Release, fail, ok
from shipit.images.layout import archive_problem


def check_images(rel: Release, _trust: Any) -> list[CheckResult]:
    """Each image archive's blobs hash to their names and its manifest is the recorded digest."""
    name = "images"
    out = []
    images = rel.images()
    for img_name, art in sorted(images.items()):
        path = art.get("path", "")
        recorded = (art.get("extra") or {}).get("manifest_digest")
        if not recorded:
            out.append(fail(name, path, "manifest.json records no manifest_digest"))
            continue
        if path not in rel.digests:
            out.append(fail(name, path, "image archive missing"))
            continue
        entries = (art.get("extra") or {}).get("platforms")
        if entries is not None:
            try:
                platforms = {str(e["platform"]): str(e["manifest_digest"]) for e in entries}
            except (KeyError, TypeError):
                out.append(fail(name, path, "manifest.json records malformed platforms"))
                continue
            problem = archive_problem(rel.root / path, recorded, platforms)
            summary = (f"'{img_name}' image index {recorded[:19]}… and its {len(platforms)} platforms "
                       f"({', '.join(platforms)}) recomputed from their blobs")
        else:
            problem = archive_problem(rel.root / path, recorded)
            summary = f"'{img_name}' manifest {recorded[:19]}… recomputed from its blobs"
        out.append(CheckResult(name, path, problem is None, problem or summary))
    return out or [ok(name, "no images in this release")]


CHECKS = [("images", check_images)]
