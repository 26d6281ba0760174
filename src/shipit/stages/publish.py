"""Pushes the release's images (only with ``shipit release --publish``; never for snapshots)."""

from __future__ import annotations

from shipit.artifacts import Kind
from shipit.pipeline import Stage
from shipit.tools import Tool


class PublishStage(Stage):
    name = "publish"
    description = "push images and check the registry's digests"

    def skip(self, ctx):
        if not ctx.publish:
            return "snapshot releases are never published" if ctx.snapshot else "not requested (--publish)"
        if not ctx.config.images:
            return "no images: section in shipit.yaml"
        return None

    def requirements(self, ctx):
        return [Tool("skopeo", why="pushes the OCI archives with their digests unchanged",
                     install_hint="apt-get install skopeo")]

    def run(self, ctx):
        from shipit.images.publish import publish, targets_of

        insecure = {i.name: i.insecure for i in ctx.config.images}
        arts = [a.as_dict() for a in ctx.artifacts.filter(Kind.IMAGE)]
        targets = targets_of(arts, ctx.work_dir)
        results = publish(targets, insecure=lambda t: insecure.get(t.image, False), log=ctx.log)
        ctx.facts["published"] = results
        for r in results:
            ctx.console.print(f"  published {r['reference']} {r['digest']}")
