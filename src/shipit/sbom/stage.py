"""The logic of the ``sbom`` stage: one SBOM per image artifact, plus the source SBOM."""

from __future__ import annotations

from rich.markup import escape

from shipit.artifacts import Kind
from shipit.errors import ShipitError
from shipit.files import write_bytes
from shipit.sbom.scan import scan_image
from shipit.sbom.source import find_input, source_sbom

SOURCE_PATH = "sbom/source.cdx.json"


def sbom_path(image_name: str) -> str:
    return f"sbom/{image_name.replace('/', '-')}.cdx.json"


def skip_reason(ctx) -> str | None:
    cfg = ctx.config.sbom
    if not cfg.enabled:
        return "sbom.enabled is false in shipit.yaml"
    has_images = bool(ctx.artifacts.filter(Kind.IMAGE)) or bool(getattr(ctx.config, "images", None))
    if has_images:
        return None
    try:
        source = find_input(ctx.project_dir, cfg.source)
    except ShipitError:
        return None  # let run() report the configuration error
    if source is None:
        return "no images and no Python dependency file (pyproject.toml, requirements.txt, a lock file)"
    return None


def run_sbom(ctx) -> list[str]:
    """Write and register every SBOM; returns the written paths (relative to the release)."""
    cfg = ctx.config.sbom
    written = []
    for image in ctx.artifacts.filter(Kind.IMAGE):
        rel = sbom_path(image.name)
        if ctx.artifacts.get(rel) is not None:  # another stage already supplied it: never clobber
            ctx.warn(escape(f"sbom {image.name}: {rel} is already registered by an earlier stage; kept as is"))
            continue
        result = scan_image(
            ctx.work_dir / image.path, name=image.name, version=ctx.version.text, timestamp=ctx.source_date,
            manifest_digest=image.extra.get("manifest_digest") or None,
            repository=image.extra.get("repository", ""), max_read_mb=cfg.max_read_mb,
            max_layer_mb=cfg.max_layer_mb, warn=lambda m, n=image.name: ctx.warn(escape(f"sbom {n}: {m}")),
        )
        write_bytes(ctx.path(rel), result.document)
        counts: dict[str, int] = {}
        for p in result.packages:
            counts[p.ecosystem] = counts.get(p.ecosystem, 0) + 1
        ctx.artifacts.add(rel, Kind.SBOM, name=image.name, image_digest=result.image.manifest_digest,
                          format="CycloneDX", spec_version="1.6", packages=dict(sorted(counts.items())))
        ctx.log(f"sbom {image.name}: {len(result.packages)} packages {counts}")
        written.append(rel)
    src = source_sbom(ctx.project_dir, cfg.source, name=ctx.config.project.name, version=ctx.version.text,
                      timestamp=ctx.source_date)
    if src is not None:
        for note in src.notes:
            ctx.warn(escape(f"sbom source: {note}"))
        write_bytes(ctx.path(SOURCE_PATH), src.document)
        input_rel = src.input.relative_to(ctx.project_dir).as_posix() \
            if src.input.is_relative_to(ctx.project_dir) else src.input.name
        ctx.artifacts.add(SOURCE_PATH, Kind.SBOM, name="source", format="CycloneDX", spec_version="1.6",
                          input=input_rel, components=src.components)
        written.append(SOURCE_PATH)
    return written
