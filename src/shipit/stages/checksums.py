"""Writes ``SHA256SUMS`` over every file of the release (manifest included), reusing known digests."""

from __future__ import annotations

from shipit.checksums import write_sums
from shipit.pipeline import Stage


class ChecksumsStage(Stage):
    name = "checksums"
    description = "write SHA256SUMS"
    seals = True

    def run(self, ctx) -> None:
        known = {a.path: a.sha256 for a in ctx.artifacts if a.sha256}
        _path, digests = write_sums(ctx.work_dir, known)
        ctx.facts["sha256sums"] = digests
