"""The seal of a release, core's own stages: ``manifest.json`` (every artifact the content stages
produced, with sizes and digests), then ``SHA256SUMS`` over every file (manifest included)."""

from __future__ import annotations

from typing import Any

from shipit import __version__
from shipit.core.artifacts import MANIFEST_NAME, MANIFEST_SCHEMA_VERSION
from shipit.core.checksums import write_sums
from shipit.core.context import ReleaseContext
from shipit.core.files import write_json
from shipit.core.runner import Stage


def build_manifest(ctx: ReleaseContext, stage_results: list[dict[str, Any]]) -> dict[str, Any]:
    """The release manifest: every fact an auditor needs, sorted and free of run-dependent values."""
    ctx.artifacts.finalize()
    return {
        "schema_version": MANIFEST_SCHEMA_VERSION,
        "project": {"name": ctx.config.project.name, "source_url": ctx.config.project.source_url},
        **ctx.header(),
        "shipit_version": __version__,
        "config_digest": ctx.config.digest,
        "stages": sorted(stage_results, key=lambda s: s["name"]),
        "artifacts": [a.as_dict() for a in ctx.artifacts],
    }


class ManifestStage(Stage):
    name = "manifest"
    description = "write manifest.json"
    phase = "seal"

    def run(self, ctx: ReleaseContext) -> None:
        write_json(ctx.work_dir / MANIFEST_NAME, build_manifest(ctx, ctx.stage_results))


class ChecksumsStage(Stage):
    name = "checksums"
    description = "write SHA256SUMS"
    phase = "seal"

    def run(self, ctx: ReleaseContext) -> None:
        known = {a.path: a.sha256 for a in ctx.artifacts if a.sha256}  # reuses the digests the manifest has
        _path, ctx.sha256sums = write_sums(ctx.work_dir, known)


SEAL_STAGES = [ManifestStage, ChecksumsStage]
