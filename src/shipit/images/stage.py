"""The images capability's stages: ``images`` builds every image of ``images:`` into
``images/<name>.oci.tar``; ``publish`` (only with ``shipit release --publish``, never for snapshots)
pushes them and checks the registry's digests."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan
from shipit.core.errors import ShipitError
from shipit.core.runner import Stage
from shipit.core.tools import Tool
from shipit.images.bases import BlobStore, classify
from shipit.images.build import (
    build_image,
    get_builder,
    oci_annotations,
    render_tags,
    select_builder,
)
from shipit.images.interface import BuildRequest
from shipit.images.publish import publish, targets_of
from shipit.images.registry import RegistryClient


def _base_tool(image: str, base: str, project_dir: Path, platforms: list[str]) -> Tool:
    spec = classify(base, project_dir)
    label = f"base of {image}" + (f" ({', '.join(platforms)})" if platforms else "")
    if spec.kind == "registry":
        ref = spec.reference
        assert ref is not None

        def probe_registry() -> tuple[bool, str]:
            if ref.digest:
                cached = BlobStore().path(ref.digest).is_file()
                return True, (f"{ref.name} pinned by digest; " +
                              ("cached" if cached else f"pulled from {ref.registry} on first use"))
            try:
                digest = RegistryClient(ref.registry, timeout=10, retries=0).resolve(ref.repository, ref.tag or "latest")
            except ShipitError as exc:
                return False, f"a tag without a digest (and its digest is unknown: {exc.message})"
            return False, f"a tag without a digest (only --snapshot allows it); pin it: base: {ref.pinned(digest)}"

        return Tool(label, why="the native builder starts from it", probe=probe_registry)
    path = spec.path

    def probe() -> tuple[bool, str]:
        if (path / "oci-layout").is_file() or path.is_file():
            return True, str(path)
        return False, f"{path} not found (scripts/build-debian-base.sh or `make base` builds the demo's)"

    return Tool(label, why="the native builder starts from it", probe=probe)


class ImagesStage(Stage):
    name = "images"
    description = "build container images"

    def __init__(self) -> None:
        self._choices: dict[str, tuple[str, str] | ShipitError] | None = None

    def skip(self, plan: ReleasePlan):
        return None if plan.config.images else "no images: section in shipit.yaml"

    def _builders(self, plan: ReleasePlan) -> dict[str, tuple[str, str] | ShipitError]:
        """(builder, why) per image, chosen once: choosing probes the engines."""

        if self._choices is None:
            self._choices = {}
            for image in plan.config.images:
                try:
                    self._choices[image.name] = select_builder(image, plan.project_dir)
                except ShipitError as exc:
                    self._choices[image.name] = exc
        return self._choices

    def requirements(self, plan: ReleasePlan):
        tools = []
        for image in plan.config.images:
            choice = self._builders(plan)[image.name]
            if isinstance(choice, ShipitError):
                continue
            for tool in get_builder(choice[0]).requirements():
                if tool not in tools:
                    tools.append(tool)
            if choice[0] == "oci":
                for base in image.bases():
                    if base != "scratch":
                        used = [p for p in image.platforms or [] if image.base_for(p) == base]
                        tools.append(_base_tool(image.name, base, plan.project_dir, used))
        return tools

    def notes(self, plan: ReleasePlan):
        out = []
        for image in plan.config.images:
            choice = self._builders(plan)[image.name]
            out.append(f"{image.name}: {choice.message}" if isinstance(choice, ShipitError)
                       else f"{image.name}: builder {choice[0]} — {choice[1]}")
            if image.platforms:
                out.append(f"{image.name}: platforms {', '.join(image.platforms)} → one OCI image index")
                if not isinstance(choice, ShipitError):
                    builder = get_builder(choice[0])
                    for platform in image.platforms:
                        try:
                            problem = builder.platform_problem(BuildRequest(
                                image=image, project_dir=plan.project_dir, source_date_epoch=0, labels={},
                                scratch_dir=plan.project_dir, platform=platform))
                        except ShipitError as exc:
                            problem = exc
                        if problem:
                            out.append(f"{image.name}: cannot build {platform} here: {problem.message}")
        return out

    def run(self, ctx: ReleaseContext):
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
                                  log=ctx.log, verbose=ctx.verbose, snapshot=ctx.snapshot,
                                  warn=lambda m: ctx.warn(escape(m)))
            ctx.log(f"image {image.name}: {outcome.builder} ({outcome.why}) in {outcome.seconds:.2f}s → "
                    f"{outcome.extra['manifest_digest']}")
            for entry in outcome.extra.get("platforms") or []:
                ctx.log(f"  {entry['platform']}: {entry['manifest_digest']} (base {entry.get('base_digest') or '-'})")
            ctx.artifacts.add(rel, Kind.IMAGE, name=image.name, **outcome.extra)


class PublishStage(Stage):
    name = "publish"
    description = "push images and check the registry's digests"
    phase = "publish"

    def skip(self, plan: ReleasePlan):
        if not plan.publish:
            return "snapshot releases are never published" if plan.snapshot else "not requested (--publish)"
        if not plan.config.images:
            return "no images: section in shipit.yaml"
        return None

    def requirements(self, plan: ReleasePlan):
        return [Tool("skopeo", why="pushes the OCI archives with their digests unchanged",
                     install_hint="apt-get install skopeo")]

    def run(self, ctx: ReleaseContext):
        insecure = {i.name: i.insecure for i in ctx.config.images}
        arts = [a.as_dict() for a in ctx.artifacts.filter(Kind.IMAGE)]
        targets = targets_of(arts, ctx.work_dir)
        for r in publish(targets, insecure=lambda t: insecure.get(t.image, False), log=ctx.log):
            ctx.console.print(f"  published {r['reference']} {r['digest']}")


STAGES = [ImagesStage, PublishStage]
