"""``shipit sbom`` outside a release: one OCI archive, a finished release's images, or the source."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from shipit.core.artifacts import Kind, load_manifest
from shipit.core.errors import ShipitError, UsageError
from shipit.core.files import write_bytes
from shipit.images.layout import OciLayout, parse_platform, platform_text, same_platform
from shipit.sbom.scan import ImageSbom, scan_image
from shipit.sbom.stage import image_subjects, sbom_path


def _epoch_from_env() -> int | None:
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env is None:
        return None
    if not env.strip().isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH={env!r} is not a non-negative integer")
    return int(env)


def _name_from_archive(path: Path) -> str:
    name = path.name
    for suffix in (".oci.tar", ".tar", ".oci"):
        if name.endswith(suffix):
            return name[: -len(suffix)] or "image"
    return name or "image"


def _platform_manifest(layout: OciLayout, platform: str) -> str:
    want = parse_platform(platform)
    found = [d for d in layout.manifests() if same_platform(want, d.get("platform") or {})]
    if not found:
        have = sorted({platform_text(d["platform"]) for d in layout.manifests() if isinstance(d.get("platform"), dict)})
        raise UsageError(f"{layout.path}: no {platform} image in the layout",
                         hint="platforms in it: " + (", ".join(have) or "none (a single-platform image)"))
    return found[0]["digest"]


def image_sbom(archive: Path, *, name: str | None, version: str | None, repository: str,
               manifest_digest: str | None, warn, platform: str | None = None) -> ImageSbom:
    """SBOM of one OCI archive (of a multi-platform image: the ``platform``'s or ``manifest_digest``'s).

    Timestamp: SOURCE_DATE_EPOCH, else the image config's ``created``, else 1970-01-01. Version: the
    option, else the ``org.opencontainers.image.version`` label, else "unversioned".
    """
    if not archive.exists():
        raise UsageError(f"{archive}: no such file or directory",
                         hint="pass an OCI image layout tar (e.g. release/1.0.0/images/api.oci.tar) or directory")
    with OciLayout(archive) as layout:
        if platform and not manifest_digest:
            manifest_digest = _platform_manifest(layout, platform)
        descriptors = layout.manifests()
        if not manifest_digest and len({d.get("digest") for d in descriptors}) > 1 and all(
                isinstance(d.get("platform"), dict) for d in descriptors):
            raise UsageError(f"{archive}: a multi-platform image; which platform?",
                             hint="pass --platform " + " or ".join(platform_text(d["platform"]) for d in descriptors))
        image = layout.image(manifest_digest)
        config = image.config
        if platform is None and any(d.get("digest") == image.manifest_digest and isinstance(d.get("platform"), dict)
                                    and len(descriptors) > 1 for d in descriptors):
            platform = f"{config.get('os', 'linux')}/{config.get('architecture', '')}"
    labels = (config.get("config") or {}).get("Labels") or {}
    epoch = _epoch_from_env()
    ts = datetime.fromtimestamp(epoch or 0, tz=timezone.utc)
    if epoch is None and isinstance(config.get("created"), str):
        try:
            ts = datetime.fromisoformat(config["created"].replace("Z", "+00:00")).astimezone(timezone.utc)
        except ValueError:
            pass
    return scan_image(archive, name=name or _name_from_archive(archive),
                      version=version or labels.get("org.opencontainers.image.version") or "unversioned",
                      timestamp=ts, manifest_digest=manifest_digest, repository=repository, warn=warn,
                      platform=platform)


@dataclass
class Recheck:
    name: str
    path: str
    identical: bool | None  # None: the release has no SBOM for this image


def recheck_release(release_dir: Path, out_dir: Path, warn) -> list[Recheck]:
    """Re-derive the SBOM of every image of a finished release into ``out_dir`` (never into the release,
    whose files are sealed by SHA256SUMS) and compare each with the release's own SBOM."""
    manifest = load_manifest(release_dir)
    release_dir = release_dir.resolve()
    if out_dir.resolve() == release_dir or out_dir.resolve().is_relative_to(release_dir):
        raise UsageError(f"{out_dir} is inside the release; a finished release must not change",
                         hint="pass --output to a directory outside it")
    ts = datetime.fromtimestamp(int(manifest.get("source_date_epoch", 0)), tz=timezone.utc)
    images = [a for a in manifest.get("artifacts", []) if a.get("kind") == str(Kind.IMAGE)]
    if not images:
        raise ShipitError(f"{release_dir}: the release has no images", hint="nothing to catalogue")
    released = {a.get("extra", {}).get("image_digest"): a["path"] for a in manifest["artifacts"]
                if a.get("kind") == str(Kind.SBOM) and a.get("name") != "source"}
    out = []
    for art in images:
        extra = art.get("extra", {})
        for platform, digest in image_subjects(extra):
            result = scan_image(release_dir / art["path"], name=art["name"], version=manifest["version"],
                                timestamp=ts, manifest_digest=digest, repository=extra.get("repository", ""),
                                warn=warn, platform=platform)
            rel = sbom_path(art["name"], platform)
            write_bytes(out_dir / rel, result.document)
            mine = released.get(result.image.manifest_digest)
            identical = None if mine is None else (release_dir / mine).read_bytes() == result.document
            out.append(Recheck(f"{art['name']} ({platform})" if platform else art["name"], str(out_dir / rel),
                               identical))
    return out
