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
from shipit.images.layout import OciLayout, write_image_archive
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


def build_image(image: ImageConfig, *, project_dir: Path, out: Path, source_date_epoch: int,
                annotations: dict[str, str], tags: list[str], log, verbose: bool = False,
                builder: Builder | None = None) -> BuildOutcome:
    """Build ``image`` and write it to ``out`` as an OCI layout tar; return the artifact's extra."""
    if builder is None:
        name, why = select_builder(image, project_dir)
        builder = get_builder(name)
    else:
        why = "given"
    labels = {**annotations, **image.labels}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"shipit-image-{image.name}-") as scratch:
        request = BuildRequest(image=image, project_dir=project_dir, source_date_epoch=source_date_epoch,
                               labels=labels, scratch_dir=Path(scratch), log=log, verbose=verbose)
        built, base = builder.build(request)
        ref = f"{image.repository}:{tags[0]}" if image.repository and tags else (tags[0] if tags else "latest")
        written = write_image_archive(out, built, annotations=annotations, ref_name=ref, mtime=source_date_epoch)
    return BuildOutcome(builder.name, why, time.perf_counter() - start, {
        "manifest_digest": written.manifest_digest,
        "config_digest": written.config_digest,
        "layers": written.layers,
        "tags": tags,
        "repository": image.repository,
        "platform": written.platform,
        "builder": builder.name,
        "base": base,
        "base_digest": base_digest(image, project_dir) if builder.name == "oci" else "",
        "reproducible": builder.reproducible(),
    })


def base_digest(image: ImageConfig, project_dir: Path) -> str:
    """The manifest digest of a local base image (an OCI layout directory or archive the native builder
    started from), so readers can name the base by digest rather than by a path on the build machine;
    "" for scratch, a docker-archive base or a base that has several manifests."""
    if image.base in ("", "scratch"):
        return ""
    path = Path(image.base).expanduser()
    path = path if path.is_absolute() else project_dir / path
    try:
        with OciLayout(path) as layout:
            return layout.image().manifest_digest
    except (ShipitError, OSError, ValueError):
        return ""
