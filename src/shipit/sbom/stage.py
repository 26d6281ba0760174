"""The ``sbom`` stage: one CycloneDX SBOM per image artifact (catalogued from the image's own layers),
plus the source SBOM of the project's Python dependencies."""

from __future__ import annotations

from dataclasses import replace

from shipit.core.artifacts import Kind
from shipit.core.context import ReleaseContext, ReleasePlan, ShardOutput, replay
from shipit.core.errors import ShipitError
from shipit.core.files import write_bytes
from shipit.core.runner import Stage

SOURCE_PATH = "sbom/source.cdx.json"


def sbom_path(image_name: str, platform: str | None = None) -> str:
    """``sbom/<image>.cdx.json``; one platform of a multi-platform image: ``sbom/<image>-<os>-<arch>.cdx.json``."""
    suffix = "-" + platform.replace("/", "-") if platform else ""
    return f"sbom/{image_name.replace('/', '-')}{suffix}.cdx.json"


def image_subjects(extra: dict) -> list[tuple[str | None, str | None]]:
    """(platform, manifest digest) of each image manifest an SBOM describes, from an image artifact's
    extra: every platform of an image index, or (None, the manifest) of a single-platform image."""
    platforms = extra.get("platforms")
    if platforms:
        return [(p["platform"], p["manifest_digest"]) for p in platforms]
    return [(None, extra.get("manifest_digest") or None)]


NOTHING_TO_CATALOGUE = "no images and no Python dependency file (pyproject.toml, requirements.txt, a lock file)"


class SbomStage(Stage):
    name = "sbom"
    description = "catalogue each image's layers and the project's dependencies into CycloneDX SBOMs"

    def skip(self, plan: ReleasePlan) -> str | None:
        cfg = plan.config.sbom
        if not cfg.enabled:
            return "sbom.enabled is false in shipit.yaml"
        # during a release, the images an earlier stage registered count (`shipit check` sees only the plan)
        if plan.artifacts.filter(Kind.IMAGE) if isinstance(plan, ReleaseContext) else plan.config.images:
            return None
        from shipit.sbom.source import (
            find_input,  # cyclonedx: seconds to import; `shipit check` loads every stage
        )

        try:
            source = find_input(plan.project_dir, cfg.source)
        except ShipitError:
            return None  # let run() report the configuration error
        if source is None:
            if "sbom" in plan.config.model_fields_set and cfg.source != "none":
                return None  # an sbom: section asks for SBOMs: run() fails with what is missing (fail closed)
            return NOTHING_TO_CATALOGUE
        return None

    def notes(self, plan: ReleasePlan) -> list[str]:
        return ["reads OCI layers in-process (no external tool); validates with cyclonedx-python-lib"]

    def run(self, ctx: ReleaseContext) -> None:
        run_sbom(ctx)

    def units(self, plan: ReleasePlan) -> list[str]:
        """``sbom:source`` when the project has a dependency file; each image's SBOM is part of that image's
        unit (made in the shard that built the image, from the same layers)."""
        from shipit.sbom.source import find_input  # cyclonedx: seconds to import

        cfg = plan.config.sbom
        try:
            return [SOURCE_UNIT] if find_input(plan.project_dir, cfg.source) is not None else []
        except ShipitError:
            return [SOURCE_UNIT]  # the shard reports the configuration error

    def run_units(self, ctx: ReleaseContext, units: frozenset[str]) -> None:
        """A shard: the SBOM of every image (platform) this shard built, and the source SBOM if asked."""
        image_sboms(ctx)
        if SOURCE_UNIT in units:
            source_part(ctx)

    def merge(self, ctx: ReleaseContext, outputs: list[ShardOutput]) -> None:
        """Register the shards' SBOMs with the facts only the merge knows (the image index digest), after
        checking each describes the manifest its image has in the merged release."""
        images = {a.name: a for a in ctx.artifacts.filter(Kind.IMAGE)}
        for out in outputs:
            for art in out.artifacts:
                if not art["extra"].get("image_digest"):
                    replay(ctx, [replace(out, artifacts=[art])])
                    continue
                image = images.get(art["name"])
                platform = art["extra"].get("platform")
                subjects = dict(image_subjects(image.extra)) if image is not None else {}
                label = f"{art['name']} ({platform})" if platform else art["name"]
                if subjects.get(platform) != art["extra"]["image_digest"]:
                    raise ShipitError(f"shard {out.shard}: the SBOM of {label} describes "
                                      f"{art['extra']['image_digest']}, not the image the shards built",
                                      hint="cut every shard of the plan from the same commit")
                extra = {**art["extra"], **sbom_facts(image.extra, platform)}
                replay(ctx, [replace(out, artifacts=[{**art, "extra": extra}])])
        for image in images.values():
            for platform, _digest in image_subjects(image.extra):
                if ctx.artifacts.get(sbom_path(image.name, platform)) is None:
                    label = f"{image.name} ({platform})" if platform else image.name
                    raise ShipitError(f"no shard holds the SBOM of image {label}",
                                      hint="the shard that builds an image makes its SBOM: do not --skip sbom there")
        if not ctx.artifacts.filter(Kind.SBOM) and not images:
            raise ShipitError(f"sbom: {NOTHING_TO_CATALOGUE}",
                              hint="add a dependency file or an images: section, or set sbom.enabled: false")


SOURCE_UNIT = "sbom:source"


def sbom_facts(image_extra: dict, platform: str | None) -> dict:
    """What an image SBOM's artifact records about the image beyond its manifest: for one platform of an
    image index, the platform and the index digest."""
    return {"platform": platform, "index_digest": image_extra["manifest_digest"]} if platform else {}


def run_sbom(ctx: ReleaseContext) -> list[str]:
    """Write and register every SBOM; returns the written paths (relative to the release)."""
    written = image_sboms(ctx) + source_part(ctx)
    if not written and not ctx.artifacts.filter(Kind.IMAGE):
        raise ShipitError(f"sbom: {NOTHING_TO_CATALOGUE}",
                          hint="add a dependency file or an images: section, or set sbom.enabled: false")
    return written


def image_sboms(ctx: ReleaseContext) -> list[str]:
    """Write and register the SBOM of every image (every platform of an image index) in the registry."""
    from shipit.sbom.scan import (
        scan_image,  # cyclonedx: seconds to import; `shipit check` loads every stage
    )

    cfg = ctx.config.sbom
    written = []
    for image in ctx.artifacts.filter(Kind.IMAGE):
        for platform, digest in image_subjects(image.extra):
            rel = sbom_path(image.name, platform)
            label = f"{image.name} ({platform})" if platform else image.name
            if ctx.artifacts.get(rel) is not None:  # another stage already supplied it: never clobber
                ctx.warn(f"sbom {label}: {rel} is already registered by an earlier stage; kept as is")
                continue
            result = scan_image(
                ctx.work_dir / image.path, name=image.name, version=ctx.version.text, timestamp=ctx.source_date,
                manifest_digest=digest, repository=image.extra.get("repository", ""), max_read_mb=cfg.max_read_mb,
                max_layer_mb=cfg.max_layer_mb, warn=lambda m, n=label: ctx.warn(f"sbom {n}: {m}"),
                platform=platform,
            )
            write_bytes(ctx.path(rel), result.document)
            counts: dict[str, int] = {}
            for p in result.packages:
                counts[p.ecosystem] = counts.get(p.ecosystem, 0) + 1
            ctx.artifacts.add(rel, Kind.SBOM, name=image.name, image_digest=result.image.manifest_digest,
                              **sbom_facts(image.extra, platform), format="CycloneDX", spec_version="1.6",
                              packages=dict(sorted(counts.items())))
            ctx.log(f"sbom {label}: {len(result.packages)} packages {counts}")
            written.append(rel)
    return written


def source_part(ctx: ReleaseContext) -> list[str]:
    """Write and register the source SBOM (the project's Python dependencies), if the project has any."""
    from shipit.sbom.source import source_sbom  # cyclonedx: seconds to import

    cfg = ctx.config.sbom
    src = source_sbom(ctx.project_dir, cfg.source, name=ctx.config.project.name, version=ctx.version.text,
                      timestamp=ctx.source_date)
    if src is None:
        return []
    for note in src.notes:
        ctx.warn(f"sbom source: {note}")
    write_bytes(ctx.path(SOURCE_PATH), src.document)
    input_rel = src.input.relative_to(ctx.project_dir).as_posix() \
        if src.input.is_relative_to(ctx.project_dir) else src.input.name
    ctx.artifacts.add(SOURCE_PATH, Kind.SBOM, name="source", format="CycloneDX", spec_version="1.6",
                      input=input_rel, components=src.components)
    return [SOURCE_PATH]


STAGES = [SbomStage]
