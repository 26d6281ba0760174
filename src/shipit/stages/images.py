"""Builds every image of ``images:`` into ``images/<name>.oci.tar`` and registers it."""

from __future__ import annotations

from pathlib import Path

from shipit.artifacts import Kind
from shipit.errors import ShipitError
from shipit.pipeline import Stage
from shipit.tools import Tool


def _base_tool(image: str, base: str, project_dir: Path) -> Tool:
    path = Path(base).expanduser()
    path = path if path.is_absolute() else project_dir / path

    def probe() -> tuple[bool, str]:
        if (path / "oci-layout").is_file() or path.is_file():
            return True, str(path)
        return False, f"{path} not found (scripts/build-debian-base.sh or `make base` builds the demo's)"

    return Tool(f"base of {image}", why="the native builder starts from it", probe=probe)


class ImagesStage(Stage):
    name = "images"
    description = "build container images"

    def skip(self, ctx):
        return None if ctx.config.images else "no images: section in shipit.yaml"

    def requirements(self, ctx):
        from shipit.images.build import get_builder, select_builder

        tools, notes = [], ctx.facts.setdefault("check:images", [])
        for image in ctx.config.images:
            try:
                name, why = select_builder(image, ctx.project_dir)
            except ShipitError as exc:
                notes.append(f"{image.name}: {exc.message}")
                continue
            notes.append(f"{image.name}: builder {name} — {why}")
            for tool in get_builder(name).requirements():
                if tool not in tools:
                    tools.append(tool)
            if name == "oci" and image.base != "scratch":
                tools.append(_base_tool(image.name, image.base, ctx.project_dir))
        return tools

    def run(self, ctx):
        from shipit.images.build import build_image, oci_annotations, render_tags

        names = [i.name for i in ctx.config.images]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ShipitError(f"images: name {dupes[0]!r} is used twice", hint="image names must be unique")
        v = ctx.version.info
        variables = {"version": ctx.version.text, "major": v.major, "minor": v.minor, "patch": v.patch,
                     "prerelease": v.prerelease or "", "short_sha": ctx.git.short_commit,
                     "commit": ctx.git.commit, "project": ctx.config.project.name}
        default_tags = ctx.version.tags + ([ctx.git.short_commit] if ctx.git.short_commit else [])
        for image in ctx.config.images:
            tags = render_tags(image, variables, default_tags)
            annotations = oci_annotations(version=ctx.version.text, revision=ctx.git.commit,
                                          created=ctx.source_date_iso, source=ctx.config.project.source_url,
                                          title=image.name)
            rel = f"images/{image.name}.oci.tar"
            outcome = build_image(image, project_dir=ctx.project_dir, out=ctx.path(rel),
                                  source_date_epoch=ctx.source_date_epoch, annotations=annotations, tags=tags,
                                  log=ctx.log, verbose=ctx.verbose)
            ctx.log(f"image {image.name}: {outcome.builder} ({outcome.why}) in {outcome.seconds:.2f}s → "
                    f"{outcome.extra['manifest_digest']}")
            ctx.artifacts.add(rel, Kind.IMAGE, name=image.name, **outcome.extra)
