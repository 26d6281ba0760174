"""``shipit publish RELEASE_DIR``: push a cut release's images (the handoff site part, ``--site-to``, is
:func:`shipit.site.publish.publish_site`).

Every tag of every image (or those named with ``--image``), each tag's digest checked at the registry
afterwards. Nothing in the release directory changes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipit.core.artifacts import Kind, load_manifest
from shipit.images.publish import publish, targets_of


def publish_images(release_dir: Path, names: list[str] | None, *, insecure: bool, retries: int,
                   log: Callable[[str], None]) -> list[dict[str, Any]]:
    manifest = load_manifest(release_dir)
    artifacts = manifest.get("artifacts", [])
    if not names and not any(a.get("kind") == str(Kind.IMAGE) for a in artifacts):
        return []
    return publish(targets_of(artifacts, release_dir, names), insecure=insecure, retries=retries, log=log)

