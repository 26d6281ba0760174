"""Signing and verifying with a local ECDSA P-256 key (cosign's key mode).

Signatures use RFC 6979 deterministic ECDSA, so the same key and input give byte-identical
``.sig`` files and bundles (reproducible releases); verifiers cannot tell the difference.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from shipit.signing import bundle as sbundle
from shipit.signing import dsse
from shipit.signing.interface import SignedBlob, SignedEnvelope, Signer
from shipit.signing.keys import key_hint, public_pem


def _algorithm(prehashed: bool = False) -> ec.ECDSA:
    return ec.ECDSA(Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256(), deterministic_signing=True)


class KeySigner(Signer):
    def __init__(self, private_key: ec.EllipticCurvePrivateKey, source: str = "key"):
        self._key = private_key
        self.hint = key_hint(private_key)
        self.description = f"key {source} (ECDSA P-256, hint {self.hint})"

    @property
    def public_key_pem(self) -> bytes:
        return public_pem(self._key)

    def sign_digest(self, digest: bytes) -> SignedBlob:
        sig = self._key.sign(digest, _algorithm(prehashed=True))
        return SignedBlob(sig, sbundle.message_signature_bundle(digest, sig, self.hint))

    def sign_statement(self, statement: bytes) -> SignedEnvelope:
        sig = self._key.sign(dsse.pae(dsse.INTOTO_PAYLOAD_TYPE, statement), _algorithm())
        env = dsse.envelope(dsse.INTOTO_PAYLOAD_TYPE, statement, sig, keyid=self.hint)
        return SignedEnvelope(env, sbundle.dsse_bundle(env, self.hint))


# --- verification ---------------------------------------------------------------------------------


def verify_signature(public_key: ec.EllipticCurvePublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def verify_digest_signature(public_key: ec.EllipticCurvePublicKey, digest: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return True
    except InvalidSignature:
        return False


def verify_envelope(public_key: ec.EllipticCurvePublicKey, env: dict, source: str) -> tuple[bool, str, bytes]:
    """(ok, payloadType, payload): ok when any signature verifies over the PAE."""
    ptype, payload, sigs = dsse.parse_envelope(env, source)
    message = dsse.pae(ptype, payload)
    return any(verify_signature(public_key, message, s) for s in sigs), ptype, payload
