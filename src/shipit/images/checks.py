"""What ``shipit verify`` checks about the images: each archive's blobs hash to their names and its
manifest is the recorded digest; for a multi-platform image, the image index is the recorded digest and
lists exactly the recorded platforms, each with its recorded manifest, whose config names that platform."""

from __future__ import annotations

from typing import Any

from shipit.core.verify import CheckResult, Release, fail, ok, parallel
from shipit.images.layout import archive_problem


def check_images(rel: Release, _trust: Any) -> list[CheckResult]:
    """Each image archive's blobs hash to their names and its manifest is the recorded digest."""
    out = parallel(lambda item: check_image(rel, *item), sorted(rel.images().items()))
    return out or [ok("images", "no images in this release")]


def check_image(rel: Release, img_name: str, art: dict[str, Any]) -> CheckResult:
    """One image archive (the archives are checked concurrently: hashing runs outside the GIL)."""
    name = "images"
    path = art.get("path", "")
    recorded = (art.get("extra") or {}).get("manifest_digest")
    if not recorded:
        return fail(name, path, "manifest.json records no manifest_digest")
    if path not in rel.digests:
        return fail(name, path, "image archive missing")
    entries = (art.get("extra") or {}).get("platforms")
    if entries is None:
        problem = archive_problem(rel.root / path, recorded)
        return CheckResult(name, path, problem is None,
                           problem or f"'{img_name}' manifest {recorded[:19]}… recomputed from its blobs")
    try:
        platforms = {str(e["platform"]): str(e["manifest_digest"]) for e in entries}
    except (KeyError, TypeError):
        return fail(name, path, "manifest.json records malformed platforms")
    problem = archive_problem(rel.root / path, recorded, platforms)
    return CheckResult(name, path, problem is None,
                       problem or f"'{img_name}' image index {recorded[:19]}… and its {len(platforms)} platforms "
                                  f"({', '.join(platforms)}) recomputed from their blobs")


CHECKS = [("images", check_images)]
