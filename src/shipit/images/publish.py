"""Push a release's images to their registries and prove the registry serves the recorded digest.

Pushing uses **skopeo** (``skopeo copy --preserve-digests oci-archive:... docker://...``): it pushes an
OCI layout straight from the release without a daemon, keeps the manifest byte for byte (so the
registry's digest is the one in manifest.json), and speaks registry auth (basic and token), auth
files and chunked uploads. The Docker SDK can only push from an engine's store and rewrites the
manifest on the way (another digest), and the Python OCI clients we tried mishandle 401 flows.

Afterwards each tag is checked with a ``HEAD /v2/<repo>/manifests/<tag>`` (``requests``): the
``Docker-Content-Digest`` must equal the recorded manifest digest. Nothing is reported published
unless every tag of every image passed.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.core.files import sha256_file
from shipit.images.layout import (
    MT_DOCKER_LIST,
    MT_DOCKER_MANIFEST,
    MT_INDEX,
    MT_MANIFEST,
    inspect_archive,
)
from shipit.images.registry import (  # noqa: F401 (AuthError, USER_ENV...: this module's API)
    PASSWORD_ENV,
    USER_ENV,
    AuthError,
    TransientError,
    credentials,
    split_repository,
)
from shipit.images.registry import authorize as _authorize
from shipit.images.registry import with_retries as _with_retries

RETRYABLE = re.compile(r"connection refused|connection reset|broken pipe|EOF|timeout|i/o timeout|"
                       r"no route to host|TLS handshake|\b50[0-9]\b|internal server error|bad gateway|"
                       r"service unavailable|gateway timeout|too many requests|\b429\b", re.I)
AUTH_FAILED = re.compile(r"unauthorized|authentication required|denied|\b401\b|\b403\b|invalid username",
                         re.I)


@dataclass(frozen=True)
class Target:
    image: str
    path: Path
    repository: str
    tag: str
    digest: str
    #: a multi-platform image: (os/arch, manifest digest) of each platform the index lists
    platforms: tuple[tuple[str, str], ...] = ()

    @property
    def registry(self) -> str:
        return split_repository(self.repository)[0]

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


# --- push and check --------------------------------------------------------------------------------


def skopeo_push(target: Target, *, insecure: bool, authfile: Path | None, timeout: float = 1800) -> None:
    cmd = ["skopeo", "copy", "--quiet", "--preserve-digests", "--retry-times", "0",
           f"--dest-tls-verify={'false' if insecure else 'true'}"]
    if target.platforms:  # an image index: every platform, the index byte for byte (else skopeo picks one)
        cmd += ["--multi-arch", "all"]
    if authfile:  # else skopeo looks up its usual auth files and credential helpers itself
        cmd += ["--dest-authfile", str(authfile)]
    cmd += [f"oci-archive:{target.path}", f"docker://{target.reference}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise TransientError(f"push of {target.reference} timed out after {timeout:.0f}s") from None
    if proc.returncode == 0:
        return
    err = (proc.stderr or proc.stdout).strip().splitlines()
    detail = err[-1] if err else f"exit {proc.returncode}"
    detail = re.sub(r'^time="[^"]*" level=\w+ msg="(.*)"$', r"\1", detail)
    if AUTH_FAILED.search(detail):
        raise AuthError(f"push of {target.reference} was refused: {detail}",
                        hint=f"log in (podman login / docker login {target.registry}) or set "
                             f"{USER_ENV}/{PASSWORD_ENV}")
    if RETRYABLE.search(detail):
        raise TransientError(detail)
    raise ShipitError(f"push of {target.reference} failed: {detail}",
                      hint="plain-HTTP registry? use --insecure (or insecure: true in shipit.yaml)"
                      if "http response to https" in detail.lower() or "x509" in detail else None)


def registry_digest(target: Target, *, insecure: bool, creds: tuple[str, str] | None, timeout: float = 30,
                    reference: str | None = None) -> str:
    """``Docker-Content-Digest`` of a HEAD on the tag's manifest (or on ``reference``, e.g. a platform's
    manifest digest), with basic or bearer-token auth."""
    import requests

    host, path = split_repository(target.repository)
    if host == "docker.io":
        host = "registry-1.docker.io"
    url = f"{'http' if insecure else 'https'}://{host}/v2/{path}/manifests/{reference or target.tag}"
    headers = {"Accept": ", ".join([MT_MANIFEST, MT_INDEX, MT_DOCKER_MANIFEST, MT_DOCKER_LIST])}
    verify = not insecure
    try:
        resp = requests.head(url, headers=headers, timeout=timeout, verify=verify)
        if resp.status_code == 401:
            challenge = resp.headers.get("WWW-Authenticate", "")
            auth_headers = _authorize(challenge, creds, timeout, verify)
            resp = requests.head(url, headers={**headers, **auth_headers}, timeout=timeout, verify=verify)
    except requests.RequestException as exc:
        raise TransientError(f"cannot reach {host}: {type(exc).__name__}") from None
    if resp.status_code >= 500 or resp.status_code == 429:
        raise TransientError(f"{url}: HTTP {resp.status_code}")
    if resp.status_code in (401, 403):
        raise AuthError(f"{url}: HTTP {resp.status_code}: not allowed to read the pushed manifest",
                        hint=f"check the credentials ({USER_ENV}/{PASSWORD_ENV} or the auth file)")
    if resp.status_code == 404:
        what = f"{target.repository}@{reference}" if reference else target.reference
        raise ShipitError(f"{what}: the registry has no such {'manifest' if reference else 'tag'} after the push")
    if resp.status_code != 200:
        raise ShipitError(f"{url}: unexpected HTTP {resp.status_code}")
    digest = resp.headers.get("Docker-Content-Digest", "")
    if not digest:
        raise ShipitError(f"{url}: the registry sent no Docker-Content-Digest header")
    return digest


def targets_of(artifacts: list[dict[str, Any]], root: Path, only: list[str] | None = None) -> list[Target]:
    """The (image, tag) pairs to push, checking each archive against the recorded digests first."""
    out = []
    images = [a for a in artifacts if a.get("kind") == "image"]
    if only:
        unknown = sorted(set(only) - {a.get("name") for a in images})
        if unknown:
            raise ShipitError(f"no image named {unknown[0]!r} in this release",
                              hint="images: " + ", ".join(sorted(a.get("name", "") for a in images)))
        images = [a for a in images if a.get("name") in only]
    for art in images:
        extra = art.get("extra", {})
        path = root / art["path"]
        if not path.is_file():
            raise ShipitError(f"{path}: image archive is missing")
        if art.get("sha256") and sha256_file(path) != art["sha256"]:
            raise ShipitError(f"{path}: sha256 differs from manifest.json: the archive was modified",
                              hint="never edit a cut release; cut a new one")
        facts = inspect_archive(path)
        digest = facts.digest
        if digest != extra.get("manifest_digest"):
            raise ShipitError(f"{path}: manifest digest {digest} differs from the recorded "
                              f"{extra.get('manifest_digest')}")
        platforms: tuple[tuple[str, str], ...] = ()
        if facts.media_type == MT_INDEX:
            platforms = facts.platforms
            recorded = {str(e.get("platform")): e.get("manifest_digest") for e in extra.get("platforms") or []}
            if dict(platforms) != recorded:
                raise ShipitError(f"{path}: the image index lists {dict(platforms)}, manifest.json records {recorded}",
                                  hint="never edit a cut release; cut a new one")
        if not extra.get("repository"):
            raise ShipitError(f"image {art.get('name')}: no repository to push to",
                              hint="set images[].repository in shipit.yaml, e.g. registry.example.com/acme/app")
        for tag in extra.get("tags", []):
            out.append(Target(art.get("name", ""), path, extra["repository"], tag, digest, platforms))
    return out


def publish(targets: list[Target], *, insecure: bool | Callable[[Target], bool] = False, retries: int = 3,
            backoff: float = 1.0, log: Callable[[str], None] = lambda _m: None) -> list[dict[str, str]]:
    """Push every target, then check every tag's digest at the registry. Returns what was published."""
    if not targets:
        raise ShipitError("nothing to publish: the release has no images")
    if shutil.which("skopeo") is None:
        raise ShipitError("skopeo is not installed; it pushes the images", hint="apt-get install skopeo")
    is_insecure = insecure if callable(insecure) else (lambda _t: insecure)
    pushed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="shipit-auth-") as tmp:
        # Credentials go to skopeo in a private auth file, never on its command line (visible in ps).
        creds_by_registry: dict[str, tuple[tuple[str, str] | None, Path | None]] = {}
        for registry in sorted({t.registry for t in targets}):
            creds, source = credentials(registry)
            authfile = None
            if creds:
                authfile = Path(tmp) / f"{len(creds_by_registry)}.json"
                token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
                authfile.write_text(json.dumps({"auths": {registry: {"auth": token}}}))
                authfile.chmod(0o600)
            log(f"{registry}: credentials from {source}")
            creds_by_registry[registry] = (creds, authfile)
        try:
            for t in targets:
                creds, authfile = creds_by_registry[t.registry]
                _with_retries(lambda t=t, a=authfile: skopeo_push(t, insecure=is_insecure(t), authfile=a),
                              f"push {t.reference}", retries, backoff, log)
                pushed.append(t.reference)
                log(f"pushed {t.reference}")
            results = []
            for t in targets:
                creds, _ = creds_by_registry[t.registry]
                got = _with_retries(lambda t=t, c=creds: registry_digest(t, insecure=is_insecure(t), creds=c),
                                    f"check {t.reference}", retries, backoff, log)
                if got != t.digest:
                    raise ShipitError(f"{t.reference}: the registry serves {got}, the release recorded {t.digest}",
                                      hint="the registry converted the manifest or another push raced this one")
                for platform, digest in t.platforms:
                    got_p = _with_retries(lambda t=t, c=creds, d=digest: registry_digest(
                        t, insecure=is_insecure(t), creds=c, reference=d), f"check {t.repository}@{digest}",
                        retries, backoff, log)
                    if got_p != digest:
                        raise ShipitError(f"{t.reference} ({platform}): the registry serves {got_p}, the release "
                                          f"recorded {digest}")
                results.append({"image": t.image, "reference": t.reference, "digest": got,
                                **({"platforms": dict(t.platforms)} if t.platforms else {})})
        except ShipitError as exc:
            if pushed:
                exc.message += ("\nnot published: pushed before the failure but unverified: " + ", ".join(pushed))
            raise
    return results
