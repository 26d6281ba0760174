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
import os
import re
import shutil
import subprocess
import tempfile
import time
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
    check_archive,
)

USER_ENV, PASSWORD_ENV = "SHIPIT_REGISTRY_USERNAME", "SHIPIT_REGISTRY_PASSWORD"
RETRYABLE = re.compile(r"connection refused|connection reset|broken pipe|EOF|timeout|i/o timeout|"
                       r"no route to host|TLS handshake|\b50[0-9]\b|internal server error|bad gateway|"
                       r"service unavailable|gateway timeout|too many requests|\b429\b", re.I)
AUTH_FAILED = re.compile(r"unauthorized|authentication required|denied|\b401\b|\b403\b|invalid username",
                         re.I)


class AuthError(ShipitError):
    pass


class TransientError(ShipitError):
    pass


@dataclass(frozen=True)
class Target:
    image: str
    path: Path
    repository: str
    tag: str
    digest: str

    @property
    def registry(self) -> str:
        return split_repository(self.repository)[0]

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


def split_repository(repository: str) -> tuple[str, str]:
    """``host[:port]/path`` → (registry host, path); Docker Hub names get docker.io (+ library/)."""
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    path = repository if rest else f"library/{repository}"
    return "docker.io", path


# --- credentials -----------------------------------------------------------------------------------


def auth_files() -> list[Path]:
    """Where podman/skopeo/buildah and Docker keep logins, in the order containers-auth.json(5) reads them."""
    out = []
    if os.environ.get("REGISTRY_AUTH_FILE"):
        out.append(Path(os.environ["REGISTRY_AUTH_FILE"]))
    if os.environ.get("XDG_RUNTIME_DIR"):
        out.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    out.append(Path.home() / ".config" / "containers" / "auth.json")
    docker_dir = Path(os.environ["DOCKER_CONFIG"]) if os.environ.get("DOCKER_CONFIG") else Path.home() / ".docker"
    out.append(docker_dir / "config.json")
    return out


def _from_auth_file(path: Path, registry: str) -> tuple[str, str] | None:
    try:
        auths = json.loads(path.read_text()).get("auths", {})
    except (OSError, ValueError, AttributeError):
        return None
    for key, value in auths.items():
        host = re.sub(r"^https?://", "", key).split("/", 1)[0]
        if host == registry and isinstance(value, dict) and value.get("auth"):
            try:
                user, _, password = base64.b64decode(value["auth"]).decode().partition(":")
            except ValueError:
                raise ShipitError(f"{path}: the entry for {key} is not base64 'user:password'") from None
            return user, password
    return None


def credentials(registry: str) -> tuple[tuple[str, str] | None, str]:
    """(user, password) for ``registry`` and where they came from; (None, "anonymous") if none."""
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if user or password:
        if not (user and password):
            raise ShipitError(f"set both {USER_ENV} and {PASSWORD_ENV}, or neither")
        return (user, password), f"${USER_ENV}"
    for path in auth_files():
        found = _from_auth_file(path, registry)
        if found:
            return found, str(path)
    return None, "anonymous"


# --- push and check --------------------------------------------------------------------------------


def _with_retries(action: Callable[[], Any], what: str, retries: int, backoff: float,
                  log: Callable[[str], None]) -> Any:
    delay = backoff
    for attempt in range(retries + 1):
        try:
            return action()
        except TransientError as exc:
            if attempt == retries:
                raise ShipitError(f"{what}: gave up after {retries + 1} attempts: {exc.message}",
                                  hint="is the registry up and reachable? (check the address, --insecure for "
                                       "plain HTTP)") from None
            log(f"{what}: {exc.message}; retrying in {delay:.1f}s")
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def skopeo_push(target: Target, *, insecure: bool, authfile: Path | None, timeout: float = 1800) -> None:
    cmd = ["skopeo", "copy", "--quiet", "--preserve-digests", "--retry-times", "0",
           f"--dest-tls-verify={'false' if insecure else 'true'}"]
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


def registry_digest(target: Target, *, insecure: bool, creds: tuple[str, str] | None, timeout: float = 30) -> str:
    """``Docker-Content-Digest`` of a HEAD on the tag's manifest (basic or bearer-token auth)."""
    import requests

    host, path = split_repository(target.repository)
    if host == "docker.io":
        host = "registry-1.docker.io"
    url = f"{'http' if insecure else 'https'}://{host}/v2/{path}/manifests/{target.tag}"
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
        raise ShipitError(f"{target.reference}: the registry has no such tag after the push")
    if resp.status_code != 200:
        raise ShipitError(f"{url}: unexpected HTTP {resp.status_code}")
    digest = resp.headers.get("Docker-Content-Digest", "")
    if not digest:
        raise ShipitError(f"{url}: the registry sent no Docker-Content-Digest header")
    return digest


def _authorize(challenge: str, creds: tuple[str, str] | None, timeout: float, verify: bool) -> dict[str, str]:
    import requests

    scheme, _, params = challenge.partition(" ")
    if creds is None:
        raise AuthError("the registry requires authentication and no credentials were found",
                        hint=f"log in (podman login / docker login) or set {USER_ENV}/{PASSWORD_ENV}")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode()
        return {"Authorization": f"Basic {token}"}
    if scheme.lower() == "bearer":
        fields = dict(re.findall(r'(\w+)="([^"]*)"', params))
        query = {k: fields[k] for k in ("service", "scope") if k in fields}
        try:
            resp = requests.get(fields["realm"], params=query, auth=creds, timeout=timeout, verify=verify)
        except (KeyError, requests.RequestException) as exc:
            raise TransientError(f"token request failed: {exc}") from None
        if resp.status_code != 200:
            raise AuthError(f"token request to {fields.get('realm')} returned HTTP {resp.status_code}",
                            hint="check the credentials")
        data = resp.json()
        return {"Authorization": f"Bearer {data.get('token') or data.get('access_token')}"}
    raise ShipitError(f"unsupported registry auth challenge {challenge!r}")


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
        digest = check_archive(path)
        if digest != extra.get("manifest_digest"):
            raise ShipitError(f"{path}: manifest digest {digest} differs from the recorded "
                              f"{extra.get('manifest_digest')}")
        if not extra.get("repository"):
            raise ShipitError(f"image {art.get('name')}: no repository to push to",
                              hint="set images[].repository in shipit.yaml, e.g. registry.example.com/acme/app")
        for tag in extra.get("tags", []):
            out.append(Target(art.get("name", ""), path, extra["repository"], tag, digest))
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
                results.append({"image": t.image, "reference": t.reference, "digest": got})
        except ShipitError as exc:
            if pushed:
                exc.message += ("\nnot published: pushed before the failure but unverified: " + ", ".join(pushed))
            raise
    return results
