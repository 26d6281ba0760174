"""Sigstore keyless signing and verification through sigstore-python (4.5.x).

Signing: an OIDC identity token (``$SIGSTORE_ID_TOKEN`` or the name set in ``signing.identity_token_env``,
else an ambient credential such as GitHub Actions' ``id-token: write``) gets a short-lived Fulcio
certificate; every signature is logged in Rekor; the bundle carries certificate and log entry.
Verification is offline against a trusted root (``--trust-config`` for a private instance).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError
from shipit.signing.interface import SignedBlob, SignedEnvelope, Signer


def _trust_config(path: str | Path | None):
    from sigstore.models import ClientTrustConfig

    if path is None:
        return ClientTrustConfig.production()
    try:
        return ClientTrustConfig.from_json(Path(path).read_text())
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read the trust config: {exc.strerror}") from None
    except Exception as exc:  # sigstore raises pydantic / its own errors for malformed input
        raise ShipitError(f"{path}: not a Sigstore ClientTrustConfig ({exc})",
                          hint="expected application/vnd.dev.sigstore.clienttrustconfig.v0.1+json") from None


def identity_token(env_name: str = "SIGSTORE_ID_TOKEN") -> str | None:
    """An OIDC token from the environment or an ambient CI credential; None if there is none."""
    token = os.environ.get(env_name)
    if token:
        return token
    from sigstore.oidc import IdentityError, detect_credential

    try:
        return detect_credential()
    except IdentityError:  # an ambient credential that is broken counts as none; the caller says what is missing
        return None


class KeylessSigner(Signer):
    def __init__(self, token: str, trust_config: str | Path | None = None):
        from sigstore.oidc import IdentityToken
        from sigstore.sign import SigningContext

        try:
            self._token = IdentityToken(token)
        except Exception as exc:  # re-raised with context: sigstore's token errors
            raise ShipitError(f"the OIDC identity token is not usable: {exc}",
                              hint="in GitHub Actions grant `permissions: id-token: write`") from None
        self._ctx = SigningContext.from_trust_config(_trust_config(trust_config))
        self.description = f"keyless as {self._token.identity} ({self._token.issuer})"
        self._signer_cm = None
        self._signer = None

    def _get(self):
        if self._signer is None:
            self._signer_cm = self._ctx.signer(self._token, cache=True)
            self._signer = self._signer_cm.__enter__()
        return self._signer

    @property
    def public_key_pem(self) -> None:
        return None

    def sign_digest(self, digest: bytes) -> SignedBlob:
        from sigstore.hashes import Hashed
        from sigstore_models.common.v1 import HashAlgorithm

        try:
            bundle = self._get().sign_artifact(Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest))
        except ShipitError:
            raise
        except Exception as exc:  # re-raised with context: sigstore, Fulcio and Rekor errors
            raise ShipitError(f"keyless signing failed: {exc}") from None
        return SignedBlob(bundle.signature, json.loads(bundle.to_json()))

    def sign_statement(self, statement: bytes) -> SignedEnvelope:
        from sigstore import dsse

        try:
            bundle = self._get().sign_dsse(dsse.Statement(statement))
        except Exception as exc:  # re-raised with context: sigstore, Fulcio and Rekor errors
            raise ShipitError(f"keyless signing of an attestation failed: {exc}") from None
        doc = json.loads(bundle.to_json())
        return SignedEnvelope(doc["dsseEnvelope"], doc)


def _trusted_root(path: str | Path | None):
    """The trusted root from a ClientTrustConfig or a bare trusted_root.json (None: public good, cached)."""
    from sigstore.models import ClientTrustConfig, TrustedRoot

    if path is None:
        try:
            return ClientTrustConfig.production(offline=True).trusted_root
        except Exception as exc:  # re-raised with context: a cached trusted root that is missing or broken
            raise ShipitError(f"no cached Sigstore trusted root for offline verification ({exc})",
                              hint="pass --trust-config with a trusted_root.json or ClientTrustConfig") from None
    try:
        media_type = json.loads(Path(path).read_text()).get("mediaType", "")
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read the trust config: {exc.strerror}") from None
    except (ValueError, AttributeError) as exc:
        raise ShipitError(f"{path}: not a JSON trust config ({exc})") from None
    if "trustedroot" in media_type:
        try:
            return TrustedRoot.from_file(str(path))
        except Exception as exc:  # re-raised with context: sigstore's model errors for a malformed root
            raise ShipitError(f"{path}: not a valid Sigstore trusted root ({exc})") from None
    return _trust_config(path).trusted_root


def _rejections() -> tuple[type[BaseException], ...]:
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import InvalidBundle

    # ValueError covers JSON and pydantic (model) errors of a malformed bundle
    return (SigstoreError, InvalidBundle, ValueError, TypeError, KeyError)


class KeylessVerifier:
    """Verifies keyless bundles offline: certificate chain, transparency log entry, identity policy."""

    def __init__(self, identity: str, issuer: str, trust_config: str | Path | None = None):
        from sigstore.verify import Verifier, policy

        self._verifier = Verifier(trusted_root=_trusted_root(trust_config))
        self._policy = policy.Identity(identity=identity, issuer=issuer)

    def _bundle(self, doc: dict[str, Any]):
        from sigstore.models import Bundle

        return Bundle.from_json(json.dumps(doc))

    def verify_digest(self, digest: bytes, doc: dict[str, Any]) -> tuple[bool, str]:
        from sigstore.hashes import Hashed
        from sigstore_models.common.v1 import HashAlgorithm

        try:
            self._verifier.verify_artifact(Hashed(algorithm=HashAlgorithm.SHA2_256, digest=digest),
                                           self._bundle(doc), self._policy)
            return True, "certificate, transparency log and identity verified"
        except _rejections() as exc:  # a bundle that does not verify or does not parse: a failed check
            return False, str(exc) or type(exc).__name__

    def verify_dsse(self, doc: dict[str, Any]) -> tuple[bool, str, bytes]:
        try:
            _ptype, payload = self._verifier.verify_dsse(self._bundle(doc), self._policy)
            return True, "certificate, transparency log and identity verified", payload
        except _rejections() as exc:  # a bundle that does not verify or does not parse: a failed check
            return False, str(exc) or type(exc).__name__, b""
