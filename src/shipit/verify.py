"""``shipit verify``: check a finished release offline, the way an auditor would.

The verification is a list of small check functions (:data:`CHECKS`); each gets the loaded release and
the trust anchor and returns results (one per problem, plus a summary line when all is well). Other
capabilities add checks with :func:`register_check` (e.g. sign-off records).

What a release may contain: the manifest's artifacts, ``manifest.json``, ``SHA256SUMS``, the signature
files over them (``SHA256SUMS.sig``, ``SHA256SUMS.sigstore.json``, ``<file>.sig`` and
``<file>.sigstore.json`` for listed files), the attestations the sign stage writes, and ``signoffs/``.
Anything else is reported as unlisted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from shipit.artifacts import MANIFEST_NAME, Kind
from shipit.checksums import SUMS_NAME, hash_files, list_files, parse_sums
from shipit.errors import ShipitError, UsageError
from shipit.files import sha256_file
from shipit.signing import bundle as sbundle
from shipit.signing import dsse
from shipit.signing import provenance as prov
from shipit.signing.release import (
    BUNDLE_SUFFIX,
    PROVENANCE,
    PROVENANCE_BUNDLE,
    SIG_SUFFIX,
    sbom_attestation_paths,
)
from shipit.site.signoff import SIGNOFF_DIR


@dataclass
class CheckResult:
    check: str  # the check's name, e.g. "checksums"
    subject: str  # what was checked: a file, an image, or "" for a summary
    ok: bool
    reason: str


@dataclass
class Report:
    release_dir: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "release_dir": self.release_dir, "checks": [asdict(r) for r in self.results]}


# --- trust ---------------------------------------------------------------------------------------


class Trust:
    """What signatures must chain to: a public key (key mode) or a certificate identity (keyless)."""

    def __init__(self, public_key=None, keyless=None):
        if (public_key is None) == (keyless is None):
            raise UsageError("give exactly one of --key or --cert-identity/--cert-oidc-issuer")
        self.public_key = public_key
        self.keyless = keyless
        if public_key is not None:
            from shipit.signing.keys import key_hint

            self.hint = key_hint(public_key)

    @classmethod
    def from_options(cls, key: str | Path | None, identity: str | None, issuer: str | None,
                     trust_config: str | Path | None) -> Trust:
        if key and (identity or issuer):
            raise UsageError("--key and --cert-identity/--cert-oidc-issuer are exclusive",
                              hint="--key for key-signed releases, identity flags for keyless ones")
        if key:
            from shipit.signing.keys import load_public_key_file

            return cls(public_key=load_public_key_file(key))
        if identity and issuer:
            from shipit.signing.keyless import KeylessVerifier

            return cls(keyless=KeylessVerifier(identity, issuer, trust_config))
        raise UsageError("no trust anchor given", hint="pass --key cosign.pub, or --cert-identity ID and "
                                                        "--cert-oidc-issuer URL (keyless)")

    def _mode_mismatch(self, doc: dict[str, Any]) -> str | None:
        keyless_bundle = sbundle.is_keyless(doc)
        if self.public_key is not None and keyless_bundle:
            return "bundle is keyless (certificate), but --key was given"
        if self.keyless is not None and not keyless_bundle:
            return "bundle is signed with a key, but identity flags were given (use --key)"
        if self.public_key is not None:
            hint = ((doc.get("verificationMaterial") or {}).get("publicKey") or {}).get("hint")
            if hint and hint != self.hint:
                return f"signed by another key (hint {hint}, expected {self.hint})"
        return None

    def verify_digest_bundle(self, digest: bytes, doc: dict[str, Any], source: str) -> tuple[bool, str]:
        """A messageSignature bundle over a blob with SHA-256 ``digest``."""
        problem = self._mode_mismatch(doc)
        if problem:
            return False, problem
        if self.keyless is not None:
            return self.keyless.verify_digest(digest, doc)
        from shipit.signing.key import verify_digest_signature

        bundle_digest, sig = sbundle.message_signature(doc, source)
        if bundle_digest != digest:
            return False, "bundle is for different content (messageDigest differs from the file's sha256)"
        if not verify_digest_signature(self.public_key, digest, sig):
            return False, "signature does not verify with the given key"
        return True, "signature verified"

    def verify_raw_signature(self, digest: bytes, sig: bytes) -> tuple[bool, str]:
        """A bare cosign ``.sig`` (key mode only; keyless .sig files are compared to their bundle)."""
        from shipit.signing.key import verify_digest_signature

        if verify_digest_signature(self.public_key, digest, sig):
            return True, "signature verified"
        return False, "signature does not verify with the given key"

    def verify_dsse_bundle(self, doc: dict[str, Any], source: str) -> tuple[bool, str, bytes]:
        """(ok, reason, payload) for a dsseEnvelope bundle."""
        problem = self._mode_mismatch(doc)
        if problem:
            return False, problem, b""
        if "dsseEnvelope" not in doc:
            return False, "bundle has no dsseEnvelope", b""
        if self.keyless is not None:
            return self.keyless.verify_dsse(doc)
        from shipit.signing.key import verify_envelope

        ok, ptype, payload = verify_envelope(self.public_key, doc["dsseEnvelope"], source)
        if not ok:
            return False, "DSSE signature does not verify with the given key", payload
        if ptype != dsse.INTOTO_PAYLOAD_TYPE:
            return False, f"payloadType is {ptype!r}, expected {dsse.INTOTO_PAYLOAD_TYPE}", payload
        return True, "DSSE signature verified", payload


# --- the loaded release --------------------------------------------------------------------------


@dataclass
class Release:
    root: Path
    manifest: dict[str, Any] | None
    manifest_error: str
    sums: dict[str, str] | None
    sums_error: str
    files: list[str]  # every regular file on disk, relative
    digests: dict[str, str]  # actual sha256 of every file on disk

    @classmethod
    def load(cls, root: Path) -> Release:
        root = Path(root)
        if not root.is_dir():
            raise ShipitError(f"{root}: no such release directory")
        files = list_files(root)
        digests = hash_files(root, files)
        manifest, merr = None, ""
        try:
            manifest = json.loads((root / MANIFEST_NAME).read_bytes())
            if not isinstance(manifest, dict) or not isinstance(manifest.get("artifacts"), list):
                manifest, merr = None, "manifest.json has no artifacts list"
        except FileNotFoundError:
            merr = "manifest.json is missing"
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            merr = f"manifest.json is not valid JSON ({exc})"
        sums, serr = None, ""
        try:
            sums = parse_sums((root / SUMS_NAME).read_text(), SUMS_NAME)
        except FileNotFoundError:
            serr = "SHA256SUMS is missing"
        except (ShipitError, UnicodeDecodeError) as exc:
            serr = getattr(exc, "message", str(exc))
        return cls(root, manifest, merr, sums, serr, files, digests)

    def artifacts(self, kind: Kind | None = None) -> list[dict[str, Any]]:
        arts = self.manifest["artifacts"] if self.manifest else []
        return [a for a in arts if isinstance(a, dict) and (kind is None or a.get("kind") == str(kind))]

    def images(self) -> dict[str, dict[str, Any]]:
        return {a.get("name", ""): a for a in self.artifacts(Kind.IMAGE)}

    def image_sboms(self) -> list[dict[str, Any]]:
        return [a for a in self.artifacts(Kind.SBOM) if (a.get("extra") or {}).get("image_digest")]

    def read_json(self, rel: str) -> Any:
        return json.loads((self.root / rel).read_bytes())

    def allowed_extra(self) -> set[str]:
        """Files a finished release may hold beyond SHA256SUMS' list: signatures and attestations."""
        allowed = {SUMS_NAME + SIG_SUFFIX, SUMS_NAME + BUNDLE_SUFFIX, PROVENANCE, PROVENANCE_BUNDLE}
        for rel in self.sums or {}:
            allowed.update({rel + SIG_SUFFIX, rel + BUNDLE_SUFFIX})
        for sbom in self.image_sboms():
            allowed.update(sbom_attestation_paths(sbom.get("name", "")))
        return allowed


Check = Callable[[Release, Trust], Iterable[CheckResult]]
CHECKS: list[tuple[str, Check]] = []


def register_check(name: str, fn: Check | None = None):
    """Add a check (usable as a decorator). Checks run in registration order."""

    def add(f: Check) -> Check:
        CHECKS.append((name, f))
        return f

    return add(fn) if fn is not None else add


def _ok(check: str, reason: str, subject: str = "") -> CheckResult:
    return CheckResult(check, subject, True, reason)


def _fail(check: str, subject: str, reason: str) -> CheckResult:
    return CheckResult(check, subject, False, reason)


# --- checks ----------------------------------------------------------------------------------------


@register_check("files")
def check_files(rel: Release, trust: Trust) -> list[CheckResult]:
    """manifest ↔ files: every listed artifact present with its size and digest; nothing unlisted."""
    name = "files"
    if rel.manifest is None:
        return [_fail(name, MANIFEST_NAME, rel.manifest_error)]
    out = []
    listed = set()
    on_disk = set(rel.files)
    for art in rel.artifacts():
        path = art.get("path", "")
        listed.add(path)
        if path not in on_disk:
            out.append(_fail(name, path, "listed in manifest.json but missing"))
        elif art.get("sha256") != rel.digests[path]:
            out.append(_fail(name, path, f"content differs from manifest.json (sha256 {rel.digests[path][:16]}…, "
                                         f"recorded {str(art.get('sha256'))[:16]}…)"))
        elif art.get("size") is not None and art["size"] != (rel.root / path).stat().st_size:
            out.append(_fail(name, path, "size differs from manifest.json"))
    allowed = listed | {MANIFEST_NAME, SUMS_NAME} | rel.allowed_extra()
    for path in rel.files:
        if path not in allowed and not path.startswith(SIGNOFF_DIR + "/"):
            out.append(_fail(name, path, "not listed in manifest.json (unexpected file)"))
    if not out:
        out.append(_ok(name, f"{len(listed)} artifacts present and match manifest.json; no unlisted files"))
    return out


@register_check("checksums")
def check_checksums(rel: Release, trust: Trust) -> list[CheckResult]:
    """Every SHA256SUMS line matches its file, and SHA256SUMS lists exactly the manifest's files."""
    name = "checksums"
    if rel.sums is None:
        return [_fail(name, SUMS_NAME, rel.sums_error)]
    out = []
    for path, digest in sorted(rel.sums.items()):
        if path not in rel.digests:
            out.append(_fail(name, path, "listed in SHA256SUMS but missing"))
        elif rel.digests[path] != digest:
            out.append(_fail(name, path, "sha256 differs from SHA256SUMS (file changed)"))
    if rel.manifest is not None:
        expected = {a.get("path") for a in rel.artifacts()} | {MANIFEST_NAME}
        for path in sorted(expected - set(rel.sums)):
            out.append(_fail(name, path, "not covered by SHA256SUMS"))
        for path in sorted(set(rel.sums) - expected):
            out.append(_fail(name, path, "in SHA256SUMS but not in manifest.json"))
    if not out:
        out.append(_ok(name, f"{len(rel.sums)} lines of SHA256SUMS match"))
    return out


def _verify_blob_pair(rel: Release, trust: Trust, path: str, check: str, required: bool) -> list[CheckResult]:
    sig_rel, bundle_rel = path + SIG_SUFFIX, path + BUNDLE_SUFFIX
    have_sig, have_bundle = sig_rel in rel.digests, bundle_rel in rel.digests
    if not have_sig and not have_bundle:
        return [_fail(check, path, "not signed: no .sig or .sigstore.json")] if required else []
    if path not in rel.digests:
        return [_fail(check, path, "signature present but the signed file is missing")]
    digest = bytes.fromhex(rel.digests[path])
    out = []
    if not have_bundle:
        out.append(_fail(check, bundle_rel, "missing (the .sig has no bundle)"))
    else:
        try:
            doc = sbundle.load_bundle(rel.root / bundle_rel)
            ok, why = trust.verify_digest_bundle(digest, doc, bundle_rel)
        except ShipitError as exc:
            doc, ok, why = None, False, exc.message
        out.append(CheckResult(check, bundle_rel, ok, why))
    if not have_sig:
        out.append(_fail(check, sig_rel, "missing (the bundle has no .sig)"))
    else:
        try:
            sig = base64.b64decode((rel.root / sig_rel).read_bytes().strip(), validate=True)
        except (binascii.Error, ValueError):
            out.append(_fail(check, sig_rel, "not base64"))
        else:
            if trust.public_key is not None:
                ok, why = trust.verify_raw_signature(digest, sig)
            else:  # keyless: the raw signature must be the one the verified bundle carries
                ok = bool(doc) and sbundle.message_signature(doc, bundle_rel)[1] == sig
                why = "same signature as the verified bundle" if ok else "differs from the bundle's signature"
            out.append(CheckResult(check, sig_rel, ok, why))
    return out


@register_check("signature")
def check_sums_signature(rel: Release, trust: Trust) -> list[CheckResult]:
    """SHA256SUMS.sig and SHA256SUMS.sigstore.json verify over SHA256SUMS."""
    out = _verify_blob_pair(rel, trust, SUMS_NAME, "signature", required=True)
    if all(r.ok for r in out):
        return [_ok("signature", "SHA256SUMS.sig and SHA256SUMS.sigstore.json verify", SUMS_NAME)]
    return [r for r in out if not r.ok]


@register_check("file signatures")
def check_file_signatures(rel: Release, trust: Trust) -> list[CheckResult]:
    """Per-file signatures (signing.artifacts: all): each present pair verifies over its file."""
    out = []
    signed = 0
    for path in sorted(rel.sums or {}):
        res = _verify_blob_pair(rel, trust, path, "file signatures", required=False)
        signed += bool(res)
        out += [r for r in res if not r.ok]
    # a signature for a file SHA256SUMS does not list is caught by the 'files' check
    if not out:
        out.append(_ok("file signatures", f"{signed} per-file signatures verify" if signed
                       else "no per-file signatures (signing.artifacts: checksums)"))
    return out


def _load_statement(rel: Release, trust: Trust, envelope_rel: str, bundle_rel: str, check: str,
                    subject: str) -> tuple[dict[str, Any] | None, list[CheckResult]]:
    """Verify an attestation (its .intoto.jsonl envelope and its bundle); return its statement."""
    for p in (envelope_rel, bundle_rel):
        if p not in rel.digests:
            return None, [_fail(check, p, "missing")]
    try:
        doc = sbundle.load_bundle(rel.root / bundle_rel)
        lines = [ln for ln in (rel.root / envelope_rel).read_text().splitlines() if ln.strip()]
        if len(lines) != 1:
            return None, [_fail(check, envelope_rel, f"expected one DSSE envelope, found {len(lines)} lines")]
        env = json.loads(lines[0])
    except ShipitError as exc:
        return None, [_fail(check, bundle_rel, exc.message)]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return None, [_fail(check, envelope_rel, f"not JSON ({exc})")]
    try:
        ok, why, payload = trust.verify_dsse_bundle(doc, bundle_rel)
    except ShipitError as exc:
        ok, why, payload = False, exc.message, b""
    if not ok:
        return None, [_fail(check, bundle_rel, why)]
    if doc.get("dsseEnvelope") != env:
        return None, [_fail(check, envelope_rel, f"differs from the signed envelope in {bundle_rel}")]
    try:
        statement = json.loads(payload)
        if statement.get("_type") != prov.STATEMENT_TYPE:
            raise ValueError(f"_type is {statement.get('_type')!r}")
    except (ValueError, AttributeError) as exc:
        return None, [_fail(check, envelope_rel, f"payload is not an in-toto Statement v1 ({exc})")]
    return statement, []


def _subject_map(statement: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {s.get("name", ""): s.get("digest", {}) for s in statement.get("subject", []) if isinstance(s, dict)}


@register_check("provenance")
def check_provenance(rel: Release, trust: Trust) -> list[CheckResult]:
    """The SLSA provenance verifies and its subjects are exactly the release's files and images."""
    name = "provenance"
    statement, problems = _load_statement(rel, trust, PROVENANCE, PROVENANCE_BUNDLE, name, "")
    if statement is None:
        return problems
    out = []
    if statement.get("predicateType") != prov.SLSA_PREDICATE_TYPE:
        out.append(_fail(name, PROVENANCE, f"predicateType is {statement.get('predicateType')!r}"))
    subjects = _subject_map(statement)
    expected: dict[str, dict[str, str]] = {}
    for path in list(rel.sums or {}) + [SUMS_NAME]:
        if path in rel.digests:
            expected[path] = {"sha256": rel.digests[path]}
    for img_name, art in rel.images().items():
        algo, hexd = prov.split_digest(str((art.get("extra") or {}).get("manifest_digest", "")))
        expected[img_name] = {algo: hexd}
    for subj in sorted(set(expected) | set(subjects)):
        if subj not in subjects:
            out.append(_fail(name, subj, "not a subject of the provenance"))
        elif subj not in expected:
            out.append(_fail(name, subj, "provenance subject that is not a file or image of this release"))
        elif subjects[subj] != expected[subj]:
            out.append(_fail(name, subj, f"provenance records digest {subjects[subj]}, the release has "
                                         f"{expected[subj]}"))
    if rel.manifest is not None:
        ext = (statement.get("predicate") or {}).get("buildDefinition", {}).get("externalParameters", {})
        if ext.get("version") != rel.manifest.get("version"):
            out.append(_fail(name, PROVENANCE, f"version {ext.get('version')!r} differs from manifest.json"))
        cfg_digest = rel.manifest.get("config_digest") or ""
        if cfg_digest:
            algo, hexd = prov.split_digest(cfg_digest)
            if (ext.get("config") or {}).get("digest") != {algo: hexd}:
                out.append(_fail(name, PROVENANCE, "config digest differs from manifest.json"))
    if not out:
        out.append(_ok(name, f"signature verified; {len(subjects)} subjects match the release's files and images",
                       PROVENANCE))
    return out


def _oci_blob_path(digest: str) -> str:
    algo, hexd = prov.split_digest(digest)
    return f"blobs/{algo}/{hexd}"


_SMALL_BLOB = 4 << 20  # OCI manifests and indexes are a few KiB; layers are what is large


def verify_oci_archive(path: Path, recorded_digest: str) -> str | None:
    """None if the OCI layout tar is intact and its image manifest is ``recorded_digest``; else why not.

    Reads index.json, recomputes the sha256 of every blob against its name, and checks that the
    recorded manifest and the config and layers it references are present with their sizes.
    """
    blobs: dict[str, tuple[str, int]] = {}  # name → (actual sha256, size)
    small: dict[str, bytes] = {}  # content of the small blobs, read in the same single pass
    index = None
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if not member.isfile():
                    continue
                name = member.name.removeprefix("./")
                fh = tar.extractfile(member)
                if name == "index.json":
                    index = json.loads(fh.read())
                elif name.startswith("blobs/"):
                    h = hashlib.sha256()
                    while chunk := fh.read(1 << 20):
                        h.update(chunk)
                        if member.size <= _SMALL_BLOB:  # manifests, configs, indexes: kept, not re-read
                            small[name] = small.get(name, b"") + chunk
                    blobs[name] = (h.hexdigest(), member.size)
    except (tarfile.TarError, OSError) as exc:
        return f"not a readable tar archive ({exc})"
    except json.JSONDecodeError as exc:
        return f"index.json is not JSON ({exc})"
    if index is None:
        return "no index.json (not an OCI image layout)"
    for name, (actual, _size) in sorted(blobs.items()):
        algo, _, hexd = name.removeprefix("blobs/").partition("/")
        if algo == "sha256" and actual != hexd:
            return f"blob {name} is corrupt (content sha256 {actual[:16]}…)"
    algo, hexd = prov.split_digest(recorded_digest)
    descriptors = [d for d in index.get("manifests", []) if isinstance(d, dict)]
    digests = {d.get("digest") for d in descriptors}
    # the recorded manifest may sit directly in index.json or inside a nested image index
    for d in descriptors:
        if "index" in str(d.get("mediaType", "")) and _oci_blob_path(d.get("digest", "")) in small:
            nested = json.loads(small[_oci_blob_path(d["digest"])])
            digests |= {m.get("digest") for m in nested.get("manifests", [])}
    if f"{algo}:{hexd}" not in digests:
        return f"index.json does not reference the recorded manifest {algo}:{hexd[:16]}…"
    mpath = _oci_blob_path(recorded_digest)
    if mpath not in blobs:
        return f"manifest blob {mpath} is missing"
    if mpath not in small:
        return f"manifest blob {mpath} is larger than {_SMALL_BLOB} bytes (not an image manifest)"
    manifest = json.loads(small[mpath])
    for desc in [manifest.get("config", {})] + list(manifest.get("layers", [])):
        bpath = _oci_blob_path(desc.get("digest", ""))
        if bpath not in blobs:
            return f"blob {bpath} referenced by the manifest is missing"
        if desc.get("size") is not None and blobs[bpath][1] != desc["size"]:
            return f"blob {bpath} has size {blobs[bpath][1]}, the manifest says {desc['size']}"
    return None


@register_check("images")
def check_images(rel: Release, trust: Trust) -> list[CheckResult]:
    """Each image archive's blobs hash to their names and its manifest is the recorded digest."""
    name = "images"
    out = []
    images = rel.images()
    for img_name, art in sorted(images.items()):
        path = art.get("path", "")
        recorded = (art.get("extra") or {}).get("manifest_digest")
        if not recorded:
            out.append(_fail(name, path, "manifest.json records no manifest_digest"))
            continue
        if path not in rel.digests:
            out.append(_fail(name, path, "image archive missing"))
            continue
        problem = verify_oci_archive(rel.root / path, recorded)
        out.append(CheckResult(name, path, problem is None,
                               problem or f"'{img_name}' manifest {recorded[:19]}… recomputed from its blobs"))
    return out or [_ok(name, "no images in this release")]


def _validate_cyclonedx(text: str) -> str | None:
    from cyclonedx.schema import SchemaVersion

    from shipit.sbom.bom import validator

    try:
        spec = json.loads(text).get("specVersion", "")
        version = SchemaVersion.from_version(spec)
    except (ValueError, AttributeError):
        return "not a CycloneDX JSON document (no known specVersion)"
    error = validator(version).validate_str(text)
    return None if error is None else f"invalid CycloneDX {spec}: {str(error).splitlines()[0]}"


@register_check("sboms")
def check_sboms(rel: Release, trust: Trust) -> list[CheckResult]:
    """Each SBOM is schema-valid; each image SBOM names its image's digest and has a signed attestation."""
    name = "sboms"
    out = []
    images = rel.images()
    for art in rel.artifacts(Kind.SBOM):
        path = art.get("path", "")
        if path not in rel.digests:
            continue  # reported by the files check
        text = (rel.root / path).read_text(errors="replace")
        problem = _validate_cyclonedx(text)
        if problem:
            out.append(_fail(name, path, problem))
            continue
        image_digest = (art.get("extra") or {}).get("image_digest")
        if not image_digest:
            out.append(_ok(name, "schema-valid", path))
            continue
        img_name = art.get("name", "")
        image = images.get(img_name)
        if image is None:
            out.append(_fail(name, path, f"describes image '{img_name}', which is not in this release"))
            continue
        if (image.get("extra") or {}).get("manifest_digest") != image_digest:
            out.append(_fail(name, path, f"bound to {image_digest}, but image '{img_name}' is "
                                         f"{(image.get('extra') or {}).get('manifest_digest')}"))
            continue
        env_rel, bundle_rel = sbom_attestation_paths(img_name)
        statement, problems = _load_statement(rel, trust, env_rel, bundle_rel, name, img_name)
        if statement is None:
            out += problems
            continue
        algo, hexd = prov.split_digest(image_digest)
        if statement.get("predicateType") != prov.CYCLONEDX_PREDICATE_TYPE:
            out.append(_fail(name, env_rel, f"predicateType is {statement.get('predicateType')!r}"))
        elif _subject_map(statement) != {img_name: {algo: hexd}}:
            out.append(_fail(name, env_rel, f"subject is not image '{img_name}' at {image_digest}"))
        elif statement.get("predicate") != json.loads(text):
            out.append(_fail(name, env_rel, f"attested SBOM differs from {path}"))
        else:
            out.append(_ok(name, f"schema-valid, bound to {image_digest[:19]}…, attestation verified", path))
    return out or [_ok(name, "no SBOMs in this release")]


# --- entry points --------------------------------------------------------------------------------


# Sign-offs (signoffs/<role>.json, added after the release and bound to SHA256SUMS' digest): the site
# capability owns their format and verification.
from shipit.site.signoff import verify_check as _check_signoffs  # noqa: E402

register_check("sign-offs", _check_signoffs)


def _prefetch_sbom_validator(release_dir: Path) -> None:
    """Import the CycloneDX validator in the background while files are hashed: importing jsonschema's
    format checkers costs ~2 s of CPU here (rfc3987-syntax builds its grammars at import)."""
    import importlib
    import threading

    try:
        has_sboms = b'"kind": "sbom"' in (release_dir / MANIFEST_NAME).read_bytes()
    except OSError:
        return
    if has_sboms:
        threading.Thread(target=importlib.import_module, args=("cyclonedx.validation.json",), daemon=True).start()


def verify_release(release_dir: str | Path, trust: Trust) -> Report:
    _prefetch_sbom_validator(Path(release_dir))
    rel = Release.load(Path(release_dir))
    report = Report(str(release_dir))
    for name, check in CHECKS:
        try:
            report.results.extend(check(rel, trust))
        except ShipitError as exc:
            report.results.append(_fail(name, "", exc.message))
        except Exception as exc:  # one broken check must not hide the others' results
            report.results.append(_fail(name, "", f"check crashed: {type(exc).__name__}: {exc}"))
    return report


def verify_blob(path: str | Path, bundle_path: str | Path, trust: Trust) -> CheckResult:
    """One file against its bundle: a messageSignature over it, or a DSSE statement naming its digest."""
    path, bundle_path = Path(path), Path(bundle_path)
    try:
        hexd = sha256_file(path)
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read: {exc.strerror}") from None
    doc = sbundle.load_bundle(bundle_path)
    if "dsseEnvelope" in doc:
        ok, why, payload = trust.verify_dsse_bundle(doc, str(bundle_path))
        if ok:
            try:
                subjects = json.loads(payload).get("subject", [])
            except (ValueError, AttributeError):
                return _fail("verify-blob", str(path), "attestation payload is not JSON")
            if not any((s.get("digest") or {}).get("sha256") == hexd for s in subjects):
                return _fail("verify-blob", str(path), "the attestation verifies but does not name this file's digest")
            why += "; the file's sha256 is a subject"
        return CheckResult("verify-blob", str(path), ok, why)
    ok, why = trust.verify_digest_bundle(bytes.fromhex(hexd), doc, str(bundle_path))
    return CheckResult("verify-blob", str(path), ok, why)
