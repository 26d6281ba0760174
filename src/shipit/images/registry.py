"""Talking to OCI registries (the distribution API, https://github.com/opencontainers/distribution-spec):
image references, credentials, auth challenges, retries, and the reads a base-image pull needs.

Shared by ``publish`` (which pushes with skopeo and checks digests here) and the native builder's
registry bases (:mod:`shipit.images.bases`), so both find credentials the same way:
``SHIPIT_REGISTRY_USERNAME``/``SHIPIT_REGISTRY_PASSWORD``, else the first podman/Docker auth file that
has the registry. A registry on the loopback interface is spoken to over plain HTTP (as Docker does);
any other needs TLS unless ``insecure``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.images.layout import MAX_DOCUMENT, MT_DOCKER_LIST, MT_DOCKER_MANIFEST, MT_INDEX, MT_MANIFEST

USER_ENV, PASSWORD_ENV = "SHIPIT_REGISTRY_USERNAME", "SHIPIT_REGISTRY_PASSWORD"
MANIFEST_ACCEPT = ", ".join([MT_INDEX, MT_MANIFEST, MT_DOCKER_LIST, MT_DOCKER_MANIFEST])
CHUNK = 1 << 20


class AuthError(ShipitError):
    pass


class TransientError(ShipitError):
    pass


# --- references ----------------------------------------------------------------------------------


_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
REFERENCE_RE = re.compile(
    rf"^(?P<name>(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>[\w][\w.-]{{0,127}}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


@dataclass(frozen=True)
class Reference:
    """``[host[:port]/]path[:tag][@sha256:...]`` split into its parts (Docker Hub names get docker.io)."""

    registry: str
    repository: str
    tag: str | None
    digest: str | None
    text: str

    @property
    def name(self) -> str:
        """host/path, the name without tag or digest."""
        return f"{self.registry}/{self.repository}"

    @property
    def tagged(self) -> str:
        """host/path:tag (or just the name): the OCI ``base.name`` annotation's form."""
        return f"{self.name}:{self.tag}" if self.tag else self.name

    def pinned(self, digest: str) -> str:
        """The reference as written, with ``@digest`` (the form to put in shipit.yaml)."""
        return f"{self.text.removeprefix('docker://').split('@', 1)[0]}@{digest}"


def parse_reference(text: str) -> Reference | None:
    """The image reference in ``text`` (``docker://`` allowed), or None if it is not one."""
    m = REFERENCE_RE.match(text.removeprefix("docker://"))
    if not m:
        return None
    registry, repository = split_repository(m.group("name"))
    return Reference(registry, repository, m.group("tag"), m.group("digest"), text)


def looks_like_reference(text: str) -> bool:
    """True for what can only be a registry image: ``docker://``, a digest, a tag, or a registry host."""
    if text.startswith("docker://"):
        return True
    m = REFERENCE_RE.match(text)
    if not m:
        return False
    first, _, rest = m.group("name").partition("/")
    return bool(m.group("digest") or m.group("tag") or (rest and ("." in first or ":" in first
                                                                    or first == "localhost")))


def split_repository(repository: str) -> tuple[str, str]:
    """``host[:port]/path`` → (registry host, path); Docker Hub names get docker.io (+ library/)."""
    first, _, rest = repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    path = repository if rest else f"library/{repository}"
    return "docker.io", path


def is_loopback(registry: str) -> bool:
    host = registry.rsplit(":", 1)[0] if not registry.startswith("[") else registry.split("]")[0] + "]"
    return host in ("localhost", "[::1]") or host.startswith("127.")


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


def authorize(challenge: str, creds: tuple[str, str] | None, timeout: float, verify: bool) -> dict[str, str]:
    """The Authorization header answering a ``WWW-Authenticate`` challenge (basic, or a bearer token)."""
    import requests

    scheme, _, params = challenge.partition(" ")
    if scheme.lower() == "basic":
        if creds is None:
            raise AuthError("the registry requires authentication and no credentials were found",
                            hint=f"log in (podman login / docker login) or set {USER_ENV}/{PASSWORD_ENV}")
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


def with_retries(action: Callable[[], Any], what: str, retries: int, backoff: float,
                 log: Callable[[str], None]) -> Any:
    """``action()``, retried with exponential backoff (1 s, 2 s, 4 s ...) while it raises TransientError."""
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


# --- reading -------------------------------------------------------------------------------------


class RegistryClient:
    """GETs and HEADs on one registry's ``/v2/`` API, answering auth challenges and retrying transient
    failures. Nothing here trusts the registry: callers check every digest."""

    def __init__(self, registry: str, *, insecure: bool = False, timeout: float = 60, retries: int = 3,
                 backoff: float = 1.0, log: Callable[[str], None] = lambda _m: None):
        host = "registry-1.docker.io" if registry == "docker.io" else registry
        self.registry = registry
        self.base_url = f"{'http' if insecure or is_loopback(registry) else 'https'}://{host}/v2/"
        self.verify = not insecure
        self.timeout, self.retries, self.backoff, self.log = timeout, retries, backoff, log
        self.creds, self.creds_source = credentials(registry)
        self._auth: dict[str, str] = {}

    def _send(self, method: str, path: str, *, accept: str | None = None, stream: bool = False):
        import requests

        url = self.base_url + path
        headers = {"Accept": accept} if accept else {}

        def once():
            try:
                resp = requests.request(method, url, headers={**headers, **self._auth}, stream=stream,
                                        timeout=self.timeout, verify=self.verify)
                if resp.status_code == 401:
                    challenge = resp.headers.get("WWW-Authenticate", "")
                    resp.close()
                    self._auth = authorize(challenge, self.creds, self.timeout, self.verify)
                    resp = requests.request(method, url, headers={**headers, **self._auth}, stream=stream,
                                            timeout=self.timeout, verify=self.verify)
            except requests.RequestException as exc:
                raise TransientError(f"cannot reach {self.registry}: {type(exc).__name__}") from None
            if resp.status_code >= 500 or resp.status_code == 429:
                resp.close()
                raise TransientError(f"{url}: HTTP {resp.status_code}")
            if resp.status_code in (401, 403):
                resp.close()
                raise AuthError(f"{url}: HTTP {resp.status_code}: not allowed to read it",
                                hint=f"log in (podman login / docker login {self.registry}) or set "
                                     f"{USER_ENV}/{PASSWORD_ENV} (credentials from: {self.creds_source})")
            return resp

        return with_retries(once, f"{method} {url}", self.retries, self.backoff, self.log)

    def resolve(self, repository: str, tag: str) -> str:
        """The digest a tag points at now (``Docker-Content-Digest``; else the manifest's own sha256)."""
        resp = self._send("HEAD", f"{repository}/manifests/{tag}", accept=MANIFEST_ACCEPT)
        if resp.status_code == 404:
            raise ShipitError(f"{self.registry}/{repository}:{tag}: no such tag in the registry")
        if resp.status_code != 200:
            raise ShipitError(f"{self.registry}/{repository}:{tag}: unexpected HTTP {resp.status_code}")
        digest = resp.headers.get("Docker-Content-Digest", "")
        if re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
            return digest
        data, _ = self.manifest(repository, tag)
        return "sha256:" + hashlib.sha256(data).hexdigest()

    def manifest(self, repository: str, reference: str) -> tuple[bytes, str]:
        """A manifest or index (its bytes and media type), checked against ``reference`` when it is a digest."""
        resp = self._send("GET", f"{repository}/manifests/{reference}", accept=MANIFEST_ACCEPT, stream=True)
        with resp:
            if resp.status_code == 404:
                raise ShipitError(f"{self.registry}/{repository}: the registry has no manifest {reference}")
            if resp.status_code != 200:
                raise ShipitError(f"{self.registry}/{repository}/manifests/{reference}: HTTP {resp.status_code}")
            data = resp.raw.read(MAX_DOCUMENT + 1, decode_content=True)
        if len(data) > MAX_DOCUMENT:
            raise ShipitError(f"{self.registry}/{repository}: manifest {reference} is larger than 4 MiB")
        if reference.startswith("sha256:") and "sha256:" + hashlib.sha256(data).hexdigest() != reference:
            raise ShipitError(f"{self.registry}/{repository}: the registry sent a manifest that does not match "
                              f"its digest {reference}", hint="a broken registry or proxy; nothing was used")
        return data, resp.headers.get("Content-Type", "")

    def blob(self, repository: str, digest: str, dest: Path, size: int | None = None) -> None:
        """Stream a blob into ``dest``; its bytes must hash to ``digest`` (and have ``size``), else it is removed."""
        resp = self._send("GET", f"{repository}/blobs/{digest}", stream=True)
        sha, written = hashlib.sha256(), 0
        try:
            with resp, open(dest, "wb") as fh:
                if resp.status_code == 404:
                    raise ShipitError(f"{self.registry}/{repository}: the registry has no blob {digest}")
                if resp.status_code != 200:
                    raise ShipitError(f"{self.registry}/{repository}/blobs/{digest}: HTTP {resp.status_code}")
                for chunk in resp.iter_content(CHUNK):
                    sha.update(chunk)
                    written += len(chunk)
                    fh.write(chunk)
        except Exception:  # whatever broke the download: the partial blob never stays in the cache; re-raised
            dest.unlink(missing_ok=True)
            raise
        if "sha256:" + sha.hexdigest() != digest or (size is not None and written != size):
            dest.unlink(missing_ok=True)
            raise ShipitError(f"{self.registry}/{repository}: blob {digest} arrived with other bytes "
                              f"(sha256:{sha.hexdigest()[:16]}…, {written} bytes)",
                              hint="a broken registry or proxy; nothing was used")
