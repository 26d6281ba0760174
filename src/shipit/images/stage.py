"""The images capability's stages: ``images`` builds every image of ``images:`` into
``images/<name>.oci.tar``; ``publish`` (only with ``shipit release --publish``, never for snapshots)
pushes them and checks the registry's digests."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from rich.markup import escape

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan, ShardOutput
from shipit.core.errors import ShipitError
from shipit.core.runner import Stage
from shipit.core.tools import Tool
from shipit.images.bases import BlobStore, classify
from shipit.images.build import (
    PlatformBuild,
    assemble,
    build_image,
    builds_from_archive,
    get_builder,
    image_ref,
    oci_annotations,
    platform_units,
    render_tags,
    select_builder,
)
from shipit.images.interface import BuildRequest
from shipit.images.layout import OciLayout
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

    def units(self, plan: ReleasePlan) -> list[str]:
        """One unit per image and platform (``image:<name>:<os>-<arch>``); see :func:`platform_units`."""
        return [unit for image in plan.config.images for _platform, unit in platform_units(image)]

    def _check_names(self, ctx: ReleaseContext) -> None:
        names = [i.name for i in ctx.config.images]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ShipitError(f"images: name {dupes[0]!r} is used twice", hint="image names must be unique")

    def _facts(self, ctx: ReleaseContext, image) -> tuple[list[str], dict[str, str]]:
        """(tags, OCI annotations) of one image in this release."""
        v = ctx.version.info
        variables = {"version": ctx.version.text, "major": v.major, "minor": v.minor, "patch": v.patch,
                     "prerelease": v.prerelease or "", "short_sha": ctx.git.short_commit,
                     "commit": ctx.git.commit, "project": ctx.config.project.name}
        default_tags = ctx.version.tags + ([ctx.git.short_commit] if ctx.git.short_commit else [])
        tags = render_tags(image, variables, default_tags)
        annotations = oci_annotations(version=ctx.version.text, revision=ctx.git.commit,
                                      created=ctx.source_date_iso, source=ctx.config.project.source_url,
                                      title=image.name)
        return tags, annotations

    def run(self, ctx: ReleaseContext):
        self._build(ctx, None)

    def run_units(self, ctx: ReleaseContext, units: frozenset[str]) -> None:
        """A shard: build the platforms of its units only. A multi-platform image's archive then holds those
        platforms (a partial index); the merge reassembles the whole index from every shard's platforms."""
        self._build(ctx, units)

    def _build(self, ctx: ReleaseContext, units: frozenset[str] | None) -> None:
        self._check_names(ctx)
        for image in ctx.config.images:
            wanted = [p for p, unit in platform_units(image) if units is None or unit in units]
            if not wanted:
                continue
            tags, annotations = self._facts(ctx, image)
            rel = f"images/{image.name}.oci.tar"
            only = [p for p in wanted if p is not None] if units is not None and image.platforms else None
            outcome = build_image(image, project_dir=ctx.project_dir, out=ctx.path(rel),
                                  source_date_epoch=ctx.source_date_epoch, annotations=annotations, tags=tags,
                                  log=ctx.log, verbose=ctx.verbose, snapshot=ctx.snapshot,
                                  warn=lambda m: ctx.warn(escape(m)), only=only)
            ctx.log(f"image {image.name}: {outcome.builder} ({outcome.why}) in {outcome.seconds:.2f}s → "
                    f"{outcome.extra['manifest_digest']}")
            for entry in outcome.extra.get("platforms") or []:
                ctx.log(f"  {entry['platform']}: {entry['manifest_digest']} (base {entry.get('base_digest') or '-'})")
            ctx.artifacts.add(rel, Kind.IMAGE, name=image.name, **outcome.extra)

    def merge(self, ctx: ReleaseContext, outputs: list[ShardOutput]) -> None:
        """Reassemble every image from the platforms its shards built, with the code that writes an image on
        one machine (:func:`assemble`): the same archive bytes and the same artifact extra."""
        self._check_names(ctx)
        parts: dict[str, list[tuple[ShardOutput, dict]]] = {}
        for out in outputs:
            for art in out.artifacts:
                if art["kind"] != Kind.IMAGE:
                    raise ShipitError(f"shard {out.shard}: the images stage registered {art['path']} ({art['kind']})",
                                      hint="cut the shard again with this shipit version")
                parts.setdefault(art["name"], []).append((out, art))
        known = {i.name for i in ctx.config.images}
        for name in sorted(set(parts) - known):
            raise ShipitError(f"shard {parts[name][0][0].shard} holds image '{name}', which shipit.yaml does not list")
        with ExitStack() as stack:
            for image in ctx.config.images:
                builds: dict[str | None, PlatformBuild] = {}
                common: dict | None = None
                for out, art in parts.get(image.name, []):
                    path = out.file(art["path"])
                    layout = stack.enter_context(OciLayout(path))
                    for build in builds_from_archive(image, layout, art["extra"], f"shard {out.shard}"):
                        if build.platform in builds:
                            raise ShipitError(f"image {image.name}: {build.platform or 'its platform'} is in two "
                                              f"shards (again in {out.shard})", hint="each unit must be in one shard")
                        builds[build.platform] = build
                    mine = {k: art["extra"].get(k) for k in ("tags", "repository", "builder", "reproducible")}
                    if common is not None and mine != common:
                        raise ShipitError(f"image {image.name}: shard {out.shard} built it with {mine} but another "
                                          f"shard with {common}",
                                          hint="every shard of an image must use the same builder and tags; pin "
                                               "builder: in shipit.yaml")
                    common = mine
                expected = [p for p, _unit in platform_units(image)]
                missing = [p or image.name for p in expected if p not in builds]
                if missing or common is None:
                    raise ShipitError(f"image {image.name}: no shard built {', '.join(missing) or 'it'}",
                                      hint="pass every shard of the plan")
                tags, annotations = self._facts(ctx, image)
                if common["tags"] != tags:
                    raise ShipitError(f"image {image.name}: the shards tagged it {common['tags']}, this merge "
                                      f"{tags}", hint="merge from the commit the shards were cut from")
                rel = f"images/{image.name}.oci.tar"
                extra = assemble(image, [builds[p] for p in expected], out=ctx.path(rel), annotations=annotations,
                                 ref_name=image_ref(image, tags), mtime=ctx.source_date_epoch, common=common)
                ctx.log(f"image {image.name}: assembled from {len(parts[image.name])} shard(s) → "
                        f"{extra['manifest_digest']}")
                ctx.artifacts.add(rel, Kind.IMAGE, name=image.name, **extra)


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
