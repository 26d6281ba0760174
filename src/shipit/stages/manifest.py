"""Writes ``manifest.json``: every artifact the content stages produced, with sizes and digests."""

from __future__ import annotations

from shipit.artifacts import MANIFEST_NAME, build_manifest
from shipit.files import write_json
from shipit.pipeline import Stage


class ManifestStage(Stage):
    name = "manifest"
    description = "write manifest.json"
    seals = True

    def run(self, ctx) -> None:
        results = ctx.facts.get("stage_results", [])
        write_json(ctx.work_dir / MANIFEST_NAME, build_manifest(ctx, results))
