"""The trust anchor of a verification: a public key (key mode) or a certificate identity (keyless).

``shipit verify``, ``shipit verify-blob`` and the sign-off checks all verify through it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shipit.core.errors import UsageError
from shipit.signing import bundle as sbundle
from shipit.signing import dsse
from shipit.signing.key import verify_digest_signature, verify_envelope
from shipit.signing.keys import key_hint, load_public_key_file


class Trust:
    """What signatures must chain to: a public key (key mode) or a certificate identity (keyless)."""

    def __init__(self, public_key=None, keyless=None):
        if (public_key is None) == (keyless is None):
            raise UsageError("give exactly one of --key or --cert-identity/--cert-oidc-issuer")
        self.public_key = public_key
        self.keyless = keyless
        if public_key is not None:
            self.hint = key_hint(public_key)

    @classmethod
    def from_options(cls, key: str | Path | None, identity: str | None, issuer: str | None,
                     trust_config: str | Path | None) -> Trust:
        if key and (identity or issuer):
            raise UsageError("--key and --cert-identity/--cert-oidc-issuer are exclusive",
                              hint="--key for key-signed releases, identity flags for keyless ones")
        if key:
            return cls(public_key=load_public_key_file(key))
        if identity and issuer:
            from shipit.signing.keyless import (
                KeylessVerifier,  # sigstore-python: heavy, keyless only
            )

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
        bundle_digest, sig = sbundle.message_signature(doc, source)
        if bundle_digest != digest:
            return False, "bundle is for different content (messageDigest differs from the file's sha256)"
        if not verify_digest_signature(self.public_key, digest, sig):
            return False, "signature does not verify with the given key"
        return True, "signature verified"

    def verify_raw_signature(self, digest: bytes, sig: bytes) -> tuple[bool, str]:
        """A bare cosign ``.sig`` (key mode only; keyless .sig files are compared to their bundle)."""
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
        ok, ptype, payload = verify_envelope(self.public_key, doc["dsseEnvelope"], source)
        if not ok:
            return False, "DSSE signature does not verify with the given key", payload
        if ptype != dsse.INTOTO_PAYLOAD_TYPE:
            return False, f"payloadType is {ptype!r}, expected {dsse.INTOTO_PAYLOAD_TYPE}", payload
        return True, "DSSE signature verified", payload
