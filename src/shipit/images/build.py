"""Build one configured image with the selected builder and write ``images/<name>.oci.tar``."""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from shipit.core.errors import ShipitError
from shipit.images.buildah import BuildahBuilder
from shipit.images.config import ImageConfig
from shipit.images.docker import DockerBuilder
from shipit.images.interface import Builder, BuildRequest
from shipit.images.bases import BaseFacts
from shipit.images.layout import (
    MT_INDEX,
    Image,
    OciLayout,
    image_from_layout,
    parse_platform,
    platform_text,
    same_platform,
    write_image_archive,
    write_index_archive,
)
from shipit.images.oci import OciBuilder

TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


BUILDERS: dict[str, type[Builder]] = {"oci": OciBuilder, "buildah": BuildahBuilder, "docker": DockerBuilder}


def get_builder(name: str) -> Builder:
    if name in BUILDERS:
        return BUILDERS[name]()
    raise ShipitError(f"unknown builder {name!r}", hint="builder: auto, docker, buildah or oci")


def select_builder(image: ImageConfig, project_dir: Path) -> tuple[str, str]:
    """(builder name, why) for ``builder: auto``; an explicit choice is returned as is."""
    if image.builder != "auto":
        return image.builder, f"builder: {image.builder} in shipit.yaml"
    req = BuildRequest(image=image, project_dir=project_dir, source_date_epoch=0, labels={}, scratch_dir=project_dir)
    dockerfile = req.dockerfile
    if image.layers or not dockerfile.is_file():
        shown = dockerfile.relative_to(project_dir) if dockerfile.is_relative_to(project_dir) else dockerfile
        why = "layers: given" if image.layers else f"no Dockerfile at {shown}"
        return "oci", f"{why} → native oci builder (reproducible, no daemon)"
    ok, detail = get_builder("docker").available()
    if ok:
        return "docker", f"Dockerfile found and a Docker API engine answers ({detail})"
    ok_b, detail_b = get_builder("buildah").available()
    if ok_b:
        return "buildah", f"Dockerfile found, no Docker API engine ({detail}); buildah is installed"
    raise ShipitError(f"image {image.name}: has a Dockerfile but neither a Docker API engine nor buildah is usable",
                      hint=f"docker: {detail}; buildah: {detail_b}. Start an engine, install buildah, or "
                           "describe the image with base:/layers: for the native builder")


def render_tags(image: ImageConfig, variables: dict[str, Any], default: list[str]) -> list[str]:
    if image.tags is None:
        tags = list(default)
    else:
        env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
        tags = []
        for template in image.tags:
            try:
                tags.append(env.from_string(template).render(**variables).strip())
            except TemplateError as exc:
                raise ShipitError(f"image {image.name}: tag template {template!r}: {exc}",
                                  hint="variables: " + ", ".join(sorted(variables))) from None
    out: list[str] = []
    for tag in tags:
        if not TAG_RE.match(tag):
            raise ShipitError(f"image {image.name}: {tag!r} is not a valid image tag",
                              hint="tags are 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'")
        if tag not in out:
            out.append(tag)
    return out


def oci_annotations(*, version: str, revision: str, created: str, source: str, title: str) -> dict[str, str]:
    values = {"version": version, "revision": revision, "created": created, "source": source, "title": title}
    return {f"org.opencontainers.image.{k}": v for k, v in values.items() if v}


@dataclass
class BuildOutcome:
    builder: str
    why: str
    seconds: float
    extra: dict[str, Any]


@dataclass
class PlatformBuild:
    """One platform of one image, built: the image (config + layer blobs) and what to record about its base."""

    platform: str | None
    image: Image
    base: str
    base_facts: BaseFacts | None


def build_platform(image: ImageConfig, platform: str | None, *, builder: Builder, project_dir: Path,
                   source_date_epoch: int, labels: dict[str, str], scratch_dir: Path, log,
                   verbose: bool = False, allow_unpinned: bool = False, warn=None) -> PlatformBuild:
    """Build one platform of one image (None: the image's single platform).

    The unit of work that does not depend on the other platforms: a release sharded per image and
    platform can call this alone and write the result with :func:`write_image_archive`, or join the
    platforms' results with :func:`shipit.images.layout.write_index_archive` (blobs are read from the
    builder's cache or ``scratch_dir``, which must outlive the write).
    """
    request = BuildRequest(image=image, project_dir=project_dir, source_date_epoch=source_date_epoch,
                           labels=labels, scratch_dir=scratch_dir, log=log, verbose=verbose, platform=platform,
                           allow_unpinned=allow_unpinned, warn=warn or log)
    built, base = builder.build(request)
    if platform is not None and not same_platform(parse_platform(platform), built.platform):
        raise ShipitError(f"image {image.name}: asked the {builder.name} builder for {platform}, got "
                          f"{platform_text(built.platform)}", hint="the engine ignored the platform; build this "
                                                                   "platform with another builder")
    return PlatformBuild(platform, built, base, request.base_facts)


def _base_record(build: PlatformBuild) -> dict[str, Any]:
    facts = build.base_facts
    out: dict[str, Any] = {"base": build.base}
    if facts is not None and facts.digest:
        out["base_digest"] = facts.digest
    if facts is not None and facts.pinned:
        out["base_pinned"] = facts.pinned
    return out


def platform_units(image: ImageConfig) -> list[tuple[str | None, str]]:
    """(platform, unit id) of each image this config builds, in order: ``image:<name>:<os>-<arch>`` per
    platform of ``platforms:`` (or of ``platform:``); ``image:<name>`` for an image whose platform comes from
    its base (known only once the base is read, and a plan is made from shipit.yaml alone)."""
    if image.platforms:
        return [(p, f"image:{image.name}:{p.replace('/', '-')}") for p in image.platforms]
    suffix = f":{image.platform.replace('/', '-')}" if image.platform else ""
    return [(None, f"image:{image.name}{suffix}")]


def build_platforms(image: ImageConfig, platforms: list[str | None], *, builder: Builder, project_dir: Path,
                    source_date_epoch: int, labels: dict[str, str], scratch: Path, log, verbose: bool = False,
                    snapshot: bool = False, warn=None) -> list[PlatformBuild]:
    """Build ``platforms`` of ``image`` (``[None]``: its single platform), every platform's known obstacle
    checked before any build starts. Blobs may live in ``scratch``, which must outlive the write."""
    if platforms != [None]:
        for platform in platforms:
            problem = builder.platform_problem(BuildRequest(image=image, project_dir=project_dir,
                                                            source_date_epoch=source_date_epoch, labels=labels,
                                                            scratch_dir=scratch, platform=platform))
            if problem:
                raise problem
    builds = []
    for i, platform in enumerate(platforms):
        if platform is not None:
            log(f"image {image.name}: {platform}")
        (scratch / str(i)).mkdir()
        builds.append(build_platform(image, platform, builder=builder, project_dir=project_dir,
                                     source_date_epoch=source_date_epoch, labels=labels,
                                     scratch_dir=scratch / str(i), log=log, verbose=verbose,
                                     allow_unpinned=snapshot, warn=warn))
    return builds


def assemble(image: ImageConfig, builds: list[PlatformBuild], *, out: Path, annotations: dict[str, str],
             ref_name: str, mtime: int, common: dict[str, Any]) -> dict[str, Any]:
    """Write built platforms as the image's archive and return the image artifact's extra.

    The one writer of image archives: a release on one machine calls it with every platform it built; a
    shard with the platforms of its units (a partial index); the merge of a sharded release with every
    platform read back from the shards (:func:`builds_from_archive`), which gives the same bytes."""
    if not image.platforms:
        [build] = builds
        written = write_image_archive(out, build.image, annotations=annotations, ref_name=ref_name, mtime=mtime)
        return {"manifest_digest": written.manifest_digest, "config_digest": written.config_digest,
                "layers": written.layers, **common, "platform": written.platform, **_base_record(build)}
    index = write_index_archive(out, [b.image for b in builds], annotations=annotations, ref_name=ref_name,
                                mtime=mtime)
    platforms = []
    for build, written in zip(builds, index.manifests, strict=True):
        platforms.append({"platform": platform_text(written.platform), "manifest_digest": written.manifest_digest,
                          "config_digest": written.config_digest, "layers": written.layers,
                          **_base_record(build)})
    base = dict(image.base) if isinstance(image.base, dict) else image.base
    return {"manifest_digest": index.index_digest, "manifest_media_type": MT_INDEX, **common, "base": base,
            "platforms": platforms}


def image_ref(image: ImageConfig, tags: list[str]) -> str:
    """The ``org.opencontainers.image.ref.name`` of the archive's index.json."""
    return f"{image.repository}:{tags[0]}" if image.repository and tags else (tags[0] if tags else "latest")


def build_image(image: ImageConfig, *, project_dir: Path, out: Path, source_date_epoch: int,
                annotations: dict[str, str], tags: list[str], log, verbose: bool = False,
                builder: Builder | None = None, snapshot: bool = False, warn=None,
                only: list[str] | None = None) -> BuildOutcome:
    """Build ``image`` (every platform of ``platforms:``, or its one platform) and write it to ``out`` as an
    OCI layout tar (an image index for ``platforms:``); return the artifact's extra. ``only`` (a shard of a
    sharded release) builds just those platforms of ``platforms:``, as a partial index."""
    if builder is None:
        name, why = select_builder(image, project_dir)
        builder = get_builder(name)
    else:
        why = "given"
    labels = {**annotations, **image.labels}
    start = time.perf_counter()
    common = {"tags": tags, "repository": image.repository, "builder": builder.name,
              "reproducible": builder.reproducible()}
    platforms: list[str | None] = [None] if not image.platforms else \
        [p for p in image.platforms if only is None or p in only]
    with tempfile.TemporaryDirectory(prefix=f"shipit-image-{image.name}-") as scratch:
        builds = build_platforms(image, platforms, builder=builder, project_dir=project_dir,
                                 source_date_epoch=source_date_epoch, labels=labels, scratch=Path(scratch), log=log,
                                 verbose=verbose, snapshot=snapshot, warn=warn)
        extra = assemble(image, builds, out=out, annotations=annotations, ref_name=image_ref(image, tags),
                         mtime=source_date_epoch, common=common)
    return BuildOutcome(builder.name, why, time.perf_counter() - start, extra)


def builds_from_archive(image: ImageConfig, layout: OciLayout, extra: dict[str, Any], where: str) -> list[PlatformBuild]:
    """The platforms a shard built, read back from its archive (open as ``layout`` while they are written):
    each platform's config, layers and manifest annotations, and the base facts its extra records. Each
    must give again the manifest digest the shard recorded."""
    entries = extra.get("platforms") if image.platforms else [extra]
    if not isinstance(entries, list) or not entries:
        raise ShipitError(f"{where}: image {image.name} records no platforms", hint="cut the shard again")
    builds = []
    for entry in entries:
        digest = entry.get("manifest_digest")
        built = image_from_layout(layout, digest)
        platform = entry.get("platform") if image.platforms else None
        facts = BaseFacts(entry.get("base", ""), entry.get("base_digest"), entry.get("base_pinned"))
        builds.append(PlatformBuild(platform, built, entry.get("base", ""), facts))
    return builds
