"""What ``shipit verify`` checks about the images: each archive's blobs hash to their names and its
manifest is the recorded digest."""

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
        problem = archive_problem(rel.root / path, recorded)
        out.append(CheckResult(name, path, problem is None,
                               problem or f"'{img_name}' manifest {recorded[:19]}… recomputed from its blobs"))
    return out or [ok(name, "no images in this release")]


CHECKS = [("images", check_images)]
