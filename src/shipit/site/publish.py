"""Publish the handoff site: copy it (and its archive) to a directory, or push the archive to an OCI
registry as an artifact (oras-py), recording the pushed digest.

The newest edition is published: the signed-off one (``signoffs/``) when it exists, else the release's.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from shipit.core.errors import ShipitError, UsageError
from shipit.core.files import sha256_file
from shipit.site.record import archive_name, load_handoff
from shipit.site.signoff import SIGNOFF_DIR

# OCI artifact media types: the artifact type travels as the config media type (the OCI 1.1 guidance
# for registries without artifactType support; what `oras push --artifact-type` does), the layer is a
# plain gzip'd tar.
ARTIFACT_TYPE = "application/vnd.shipit.handoff-site.v1+json"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"


def edition(release_dir: Path) -> tuple[str, Path, Path]:
    """(name, site dir, archive) of the newest edition of the site in a release."""
    version = load_handoff(release_dir)["version"]
    signed = release_dir / SIGNOFF_DIR
    if (signed / "site" / "index.html").is_file() and (signed / archive_name(version)).is_file():
        return "signed-off", signed / "site", signed / archive_name(version)
    site, archive = release_dir / "site", release_dir / archive_name(version)
    if not (site / "index.html").is_file() or not archive.is_file():
        raise ShipitError(f"{release_dir}: no handoff site in this release",
                          hint="cut the release with the site stage enabled")
    return "release", site, archive


def publish_site(release_dir: Path, target: str, *, insecure: bool = False) -> dict[str, Any]:
    """Publish the newest edition to ``target`` (a directory or oci://REGISTRY/REPO:TAG); returns the record."""
    release_dir = Path(release_dir)
    name, site, archive = edition(release_dir)
    if target.startswith("oci://"):
        result = push_oci(archive, target[len("oci://"):], release_dir, insecure=insecure)
    elif "://" in target:
        raise UsageError(f"--site-to {target}: unsupported scheme", hint="use a directory or oci://REGISTRY/REPO:TAG")
    else:
        result = copy_to_dir(site, archive, Path(target))
    result.update(edition=name, archive=archive.relative_to(release_dir).as_posix(),
                  archive_sha256=sha256_file(archive),
                  published_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    # Recorded on stdout (JSON), not in the release: a release holds only what SHA256SUMS, the
    # signatures and signoffs/ account for (`shipit verify` reports anything else).
    return result


def copy_to_dir(site: Path, archive: Path, dest: Path) -> dict[str, Any]:
    """DEST/<archive name> and DEST/<archive name without .tar.gz>/ (the browsable site), each replaced whole."""
    dest.mkdir(parents=True, exist_ok=True)
    tree = dest / archive.name[: -len(".tar.gz")]
    with tempfile.TemporaryDirectory(prefix=".publish-", dir=dest) as tmp:
        staged = Path(tmp) / "site"
        shutil.copytree(site, staged)
        shutil.copyfile(archive, Path(tmp) / archive.name)
        if tree.exists():
            shutil.rmtree(tree)
        os.replace(staged, tree)
        os.replace(Path(tmp) / archive.name, dest / archive.name)
    return {"target": str(dest), "archive": str(dest / archive.name), "site": str(tree)}


def _split_ref(ref: str) -> tuple[str, str, str]:
    parsed = urlparse("//" + ref)
    host, path = parsed.netloc, parsed.path.lstrip("/")
    if not host or not path:
        raise UsageError(f"oci://{ref}: expected oci://REGISTRY/REPO:TAG")
    repo, _, tag = path.rpartition(":") if ":" in path.rsplit("/", 1)[-1] else (path, "", "")
    if not tag:
        raise UsageError(f"oci://{ref}: missing :TAG", hint="e.g. oci://registry.example.com/acme/orders-site:1.0.0")
    return host, repo, tag


def push_oci(archive: Path, ref: str, release_dir: Path, *, insecure: bool = False) -> dict[str, Any]:
    import oras.client  # imported when pushing: oras-py and requests are needed only here
    import requests

    host, repo, tag = _split_ref(ref)
    loopback = host.split(":")[0] in ("127.0.0.1", "localhost", "::1", "[::1]")
    insecure = insecure or loopback  # a registry on this machine is plain HTTP
    handoff = load_handoff(release_dir)
    # oras-py retries a dead registry with long back-offs; fail fast with a clear message instead.
    try:
        requests.get(f"{'http' if insecure else 'https'}://{host}/v2/", timeout=10)
    except requests.RequestException as exc:
        raise ShipitError(f"pushing {archive.name} to oci://{ref} failed: cannot reach {host}: "
                          f"{type(exc).__name__}", hint="check the registry address and that it is running "
                                                         "(plain HTTP needs --insecure)") from None
    user, password = os.environ.get("SHIPIT_REGISTRY_USERNAME"), os.environ.get("SHIPIT_REGISTRY_PASSWORD")
    client = oras.client.OrasClient(hostname=host, insecure=insecure, auth_backend="basic" if user else "token")
    if user:
        client.login(username=user, password=password or "", hostname=host, insecure=insecure)
    with tempfile.TemporaryDirectory(prefix="shipit-oci-") as tmp:
        config = Path(tmp) / "config.json"
        config.write_text("{}")
        try:
            resp = client.push(
                target=f"{host}/{repo}:{tag}",
                files=[f"{archive}:{LAYER_MEDIA_TYPE}"],
                manifest_config=f"{config}:{ARTIFACT_TYPE}",
                manifest_annotations={
                    "org.opencontainers.image.title": archive.name,
                    "org.opencontainers.image.version": handoff["version"],
                    "org.opencontainers.image.created": handoff["source_date"],
                    "org.opencontainers.image.revision": handoff["git"].get("commit", ""),
                },
                disable_path_validation=True,
                quiet=True,
            )
        except (requests.RequestException, ValueError, OSError) as exc:
            raise ShipitError(f"pushing {archive.name} to oci://{ref} failed: {exc}",
                              hint="check the registry address, credentials (SHIPIT_REGISTRY_USERNAME/PASSWORD) "
                                   "and network") from None
        except Exception as exc:  # oras-py raises bare exceptions for HTTP errors
            raise ShipitError(f"pushing {archive.name} to oci://{ref} failed: {exc}") from None
    digest = resp.headers.get("Docker-Content-Digest", "")
    if not digest:
        raise ShipitError(f"the registry did not return a digest for oci://{ref}")
    return {"target": f"oci://{ref}", "reference": f"{host}/{repo}@{digest}", "digest": digest,
            "artifact_type": ARTIFACT_TYPE, "media_type": LAYER_MEDIA_TYPE}


def describe(result: dict[str, Any]) -> str:
    return json.dumps(result, indent=2, sort_keys=True)
