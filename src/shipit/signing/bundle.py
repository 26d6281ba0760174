"""Sigstore bundle v0.3 (JSON form of dev.sigstore.bundle.v1.Bundle) for key-based signatures.

A key-based bundle carries ``verificationMaterial.publicKey.hint`` (base64 sha256 of the DER SPKI, as
cosign and sigstore-go write it), no transparency-log entries, and either a ``messageSignature`` (blob)
or a ``dsseEnvelope`` (attestation). The JSON field names follow protobuf's JSON mapping (camelCase).
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from shipit.core.errors import ShipitError

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
KNOWN_MEDIA_TYPES = {
    BUNDLE_MEDIA_TYPE,
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
}


def _material(hint: str) -> dict[str, Any]:
    return {"publicKey": {"hint": hint}, "tlogEntries": []}


def message_signature_bundle(digest: bytes, signature: bytes, hint: str) -> dict[str, Any]:
    """``digest``: the SHA-256 of the signed blob."""
    return {
        "mediaType": BUNDLE_MEDIA_TYPE,
        "verificationMaterial": _material(hint),
        "messageSignature": {
            "messageDigest": {"algorithm": "SHA2_256",
                              "digest": base64.b64encode(digest).decode()},
            "signature": base64.b64encode(signature).decode(),
        },
    }


def dsse_bundle(envelope: dict[str, Any], hint: str) -> dict[str, Any]:
    return {"mediaType": BUNDLE_MEDIA_TYPE, "verificationMaterial": _material(hint), "dsseEnvelope": envelope}


def load_bundle(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise ShipitError(f"{path}: cannot read the bundle: {exc.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ShipitError(f"{path}: the bundle is not valid JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("mediaType") not in KNOWN_MEDIA_TYPES:
        raise ShipitError(f"{path}: not a Sigstore bundle (mediaType {doc.get('mediaType') if isinstance(doc, dict) else None!r})")
    return doc


def is_keyless(bundle: dict[str, Any]) -> bool:
    vm = bundle.get("verificationMaterial") or {}
    return "publicKey" not in vm


def message_signature(bundle: dict[str, Any], source: str) -> tuple[bytes, bytes]:
    """(sha256 digest, signature) from a messageSignature bundle."""
    try:
        ms = bundle["messageSignature"]
        if ms["messageDigest"]["algorithm"] != "SHA2_256":
            raise ValueError(f"digest algorithm {ms['messageDigest']['algorithm']} (expected SHA2_256)")
        return (base64.b64decode(ms["messageDigest"]["digest"], validate=True),
                base64.b64decode(ms["signature"], validate=True))
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ShipitError(f"{source}: bundle has no usable messageSignature ({exc})") from None
