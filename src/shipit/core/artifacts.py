"""Typed artifacts, the registry stages add them to, and reading a finished release's manifest (the manifest
is written by the manifest stage, :mod:`shipit.core.seals`)."""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.files import sha256_file

MANIFEST_NAME = "manifest.json"
MANIFEST_SCHEMA_VERSION = 1


class Kind(StrEnum):
    IMAGE = "image"
    SBOM = "sbom"
    SIGNATURE = "signature"
    ATTESTATION = "attestation"
    SQL = "sql"
    MIGRATION_BUNDLE = "migration-bundle"
    MIGRATION_PLAN = "migration-plan"
    DOC = "doc"
    RUNBOOK = "runbook"
    DASHBOARD = "dashboard"
    ALERT_RULES = "alert-rules"
    ALERT_TESTS = "alert-tests"
    ALERT_ROUTES = "alert-routes"
    SITE = "site"
    SITE_ARCHIVE = "site-archive"
    CHECKSUMS = "checksums"
    REPORT = "report"
    EVIDENCE = "evidence"
    RELEASE_NOTES = "release-notes"
    MANIFEST = "manifest"


_MEDIA_TYPES = {
    ".json": "application/json",
    ".md": "text/markdown",
    ".sql": "application/sql",
    ".yml": "application/yaml",
    ".yaml": "application/yaml",
    ".tar": "application/x-tar",
    ".gz": "application/gzip",
    ".html": "text/html",
    ".sarif": "application/sarif+json",
    ".jsonl": "application/jsonl",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
}


def guess_media_type(path: str) -> str:
    name = path.lower()
    if name.endswith(".oci.tar"):
        return "application/vnd.oci.image.layout.v1+tar"
    if name.endswith(".cdx.json"):
        return "application/vnd.cyclonedx+json"
    if name.endswith(".sigstore.json"):
        return "application/vnd.dev.sigstore.bundle.v0.3+json"
    suffix = Path(name).suffix
    if suffix in _MEDIA_TYPES:
        return _MEDIA_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


@dataclass
class Artifact:
    """One file of the release. ``path`` is relative to the release root, with '/' separators."""

    path: str
    kind: Kind
    media_type: str
    name: str = ""  # logical name (e.g. the image's name) used by filters
    extra: dict[str, Any] = field(default_factory=dict)
    size: int | None = None
    sha256: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": str(self.kind),
            "media_type": self.media_type,
            "name": self.name,
            "size": self.size,
            "sha256": self.sha256,
            "extra": self.extra,
        }


class ArtifactRegistry:
    """The artifacts of one release, keyed by path. Later stages filter it instead of scanning disk."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._items: dict[str, Artifact] = {}

    def add(
        self,
        path: str | Path,
        kind: Kind | str,
        *,
        media_type: str | None = None,
        name: str = "",
        **extra: Any,
    ) -> Artifact:
        rel = self._relative(path)
        if not (self.root / rel).is_file():
            raise ShipitError(f"artifact {rel} was registered but does not exist in the release")
        if rel in self._items:
            raise ShipitError(f"artifact {rel} registered twice")
        art = Artifact(path=rel, kind=Kind(kind), media_type=media_type or guess_media_type(rel), name=name,
                       extra=dict(extra))
        self._items[rel] = art
        return art

    def add_tree(self, directory: str | Path, kind: Kind | str, *, name: str = "") -> list[Artifact]:
        """Register every file under a directory (e.g. a built site)."""
        base = self.root / self._relative(directory)
        return [self.add(p, kind, name=name) for p in sorted(base.rglob("*")) if p.is_file()]

    def _relative(self, path: str | Path) -> str:
        p = Path(path)
        if p.is_absolute():
            try:
                p = p.relative_to(self.root)
            except ValueError:
                raise ShipitError(f"artifact {path} is outside the release directory {self.root}") from None
        rel = p.as_posix()
        if rel.startswith("../") or rel == "..":
            raise ShipitError(f"artifact {path} escapes the release directory")
        return rel

    def filter(
        self,
        kind: Kind | str | None = None,
        *,
        name: str | None = None,
        where: Callable[[Artifact], bool] | None = None,
    ) -> list[Artifact]:
        out = []
        for art in self:
            if kind is not None and art.kind != Kind(kind):
                continue
            if name is not None and art.name != name:
                continue
            if where is not None and not where(art):
                continue
            out.append(art)
        return out

    def get(self, path: str) -> Artifact | None:
        return self._items.get(path)

    def remove(self, path: str) -> None:
        self._items.pop(path, None)

    def __iter__(self) -> Iterator[Artifact]:
        return iter(sorted(self._items.values(), key=lambda a: a.path))

    def __len__(self) -> int:
        return len(self._items)

    def finalize(self, workers: int = 4) -> None:
        """Fill in size and sha256 for every artifact (hashed in parallel)."""
        todo = [a for a in self._items.values() if a.sha256 is None]

        def fill(art: Artifact) -> None:
            p = self.root / art.path
            art.size = p.stat().st_size
            art.sha256 = sha256_file(p)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(fill, todo))


def load_manifest(release_dir: Path) -> dict[str, Any]:
    path = Path(release_dir) / MANIFEST_NAME
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ShipitError(f"{path}: no manifest; is this a shipit release directory?") from None
    except json.JSONDecodeError as exc:
        raise ShipitError(f"{path}:{exc.lineno}:{exc.colno}: manifest is not valid JSON: {exc.msg}") from None
