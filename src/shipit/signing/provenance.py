"""in-toto Statement v1 with an SLSA provenance v1 predicate, and CycloneDX SBOM statements."""

from __future__ import annotations

import json
from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
SLSA_PREDICATE_TYPE = "https://slsa.dev/provenance/v1"
CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
BUILD_TYPE = "urn:shipit:release:v1"


def statement_bytes(statement: dict[str, Any]) -> bytes:
    """Compact, sorted JSON: the exact bytes that get signed (deterministic)."""
    return json.dumps(statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def split_digest(value: str) -> tuple[str, str]:
    """'sha256:abc' → ('sha256', 'abc'); a bare hex digest is sha256."""
    algo, sep, hexd = value.partition(":")
    return (algo, hexd) if sep else ("sha256", value)


def file_subjects(digests: dict[str, str]) -> list[dict[str, Any]]:
    return [{"name": path, "digest": {"sha256": digests[path]}} for path in sorted(digests)]


def platform_subject(image_name: str, platform: str) -> str:
    """The subject name of one platform's manifest of a multi-platform image: ``<image>@<os>/<arch>``."""
    return f"{image_name}@{platform}"


def image_subjects(images: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``images``: [{name, manifest_digest, platforms?}] → subjects: the image name with its manifest (or
    image index) digest, and for a multi-platform image ``<name>@<os>/<arch>`` with each platform's
    manifest digest."""
    out = []
    for img in sorted(images, key=lambda i: i["name"]):
        algo, hexd = split_digest(img["manifest_digest"])
        out.append({"name": img["name"], "digest": {algo: hexd}})
        for entry in img.get("platforms") or []:
            algo, hexd = split_digest(entry["manifest_digest"])
            out.append({"name": platform_subject(img["name"], entry["platform"]), "digest": {algo: hexd}})
    return out


def _base_dependency(base: Any) -> dict[str, Any] | None:
    """A resolved dependency for an image's base (string ref 'repo@sha256:..' or {name/ref, digest})."""
    if not base or base == "scratch":
        return None
    if isinstance(base, str):
        ref, _, digest = base.partition("@")
        dep: dict[str, Any] = {"uri": f"oci://{ref}"}
        if digest:
            algo, hexd = split_digest(digest)
            dep["digest"] = {algo: hexd}
        return dep
    if isinstance(base, dict):
        ref = base.get("ref") or base.get("name") or base.get("image") or base.get("reference") or "unknown"
        if ref == "scratch":
            return None
        ref = str(ref).removeprefix("docker://")
        if "://" not in ref and "@" in ref and not base.get("digest"):
            return _base_dependency(ref)
        dep = {"uri": f"oci://{ref.split('@', 1)[0]}" if "://" not in ref else ref}
        if base.get("digest"):
            algo, hexd = split_digest(str(base["digest"]))
            dep["digest"] = {algo: hexd}
        if base.get("platform"):
            dep["annotations"] = {"platform": str(base["platform"])}
        return dep
    return None


def provenance_statement(*, subjects: list[dict[str, Any]], project: str, source_url: str, version: str,
                         snapshot: bool, config_path: str, config_digest: str, git: dict[str, Any],
                         base_images: list[Any], builder_id: str, shipit_version: str,
                         source_date_epoch: int) -> dict[str, Any]:
    deps: list[dict[str, Any]] = []
    if git.get("commit"):
        uri = f"git+{source_url}" if source_url else "git+file:."
        if git.get("tag") or git.get("branch"):
            uri += "@" + (f"refs/tags/{git['tag']}" if git.get("tag") else f"refs/heads/{git['branch']}")
        deps.append({"uri": uri, "digest": {"gitCommit": git["commit"]}})
    seen = set()
    for base in base_images:
        dep = _base_dependency(base)
        key = json.dumps(dep, sort_keys=True)
        if dep and key not in seen:
            seen.add(key)
            deps.append(dep)
    cfg_algo, cfg_hex = split_digest(config_digest) if config_digest else ("sha256", "")
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": SLSA_PREDICATE_TYPE,
        "predicate": {
            "buildDefinition": {
                "buildType": BUILD_TYPE,
                "externalParameters": {
                    "project": project,
                    "version": version,
                    "snapshot": snapshot,
                    "config": {"path": config_path, "digest": {cfg_algo: cfg_hex}},
                },
                "internalParameters": {"source_date_epoch": source_date_epoch},
                "resolvedDependencies": deps,
            },
            "runDetails": {
                "builder": {"id": builder_id, "version": {"shipit": shipit_version}},
                "metadata": {"invocationId": f"{project}@{version}"},
            },
        },
    }


def sbom_statement(image_name: str, image_digest: str, sbom: dict[str, Any]) -> dict[str, Any]:
    algo, hexd = split_digest(image_digest)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": image_name, "digest": {algo: hexd}}],
        "predicateType": CYCLONEDX_PREDICATE_TYPE,
        "predicate": sbom,
    }
