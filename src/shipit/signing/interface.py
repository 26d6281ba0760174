"""What a signer does. Two implementations: a local key (:mod:`.key`) and Sigstore keyless (:mod:`.keyless`)."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


@dataclass
class SignedBlob:
    signature: bytes  # raw (DER) signature over the blob: base64 of it is cosign's .sig format
    bundle: dict[str, Any]  # Sigstore bundle v0.3 with a messageSignature


@dataclass
class SignedEnvelope:
    envelope: dict[str, Any]  # DSSE envelope
    bundle: dict[str, Any]  # Sigstore bundle v0.3 with the same envelope as dsseEnvelope


class Signer(ABC):
    """Signs blobs (cosign ``sign-blob``) and in-toto statements (DSSE, cosign ``attest-blob``)."""

    #: Short description for logs and the sign stage's facts (never a secret).
    description: str = ""

    def sign_blob(self, data: bytes) -> SignedBlob:
        """Sign ``data`` (an ECDSA signature over its SHA-256 digest)."""
        return self.sign_digest(hashlib.sha256(data).digest())

    @abstractmethod
    def sign_digest(self, digest: bytes) -> SignedBlob:
        """Sign a blob given its SHA-256 digest (large files are never read twice)."""

    @abstractmethod
    def sign_statement(self, statement: bytes) -> SignedEnvelope:
        """Sign an in-toto Statement (JSON bytes) in a DSSE envelope."""

    @property
    @abstractmethod
    def public_key_pem(self) -> bytes | None:
        """The public key (key mode) so it can be shipped next to the release; None for keyless."""
