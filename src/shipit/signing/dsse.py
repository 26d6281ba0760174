"""DSSE (Dead Simple Signing Envelope) v1: the pre-authentication encoding and the envelope JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from shipit.core.errors import ShipitError

INTOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def envelope(payload_type: str, payload: bytes, signature: bytes, keyid: str = "") -> dict[str, Any]:
    return {
        "payload": base64.b64encode(payload).decode(),
        "payloadType": payload_type,
        "signatures": [{"keyid": keyid, "sig": base64.b64encode(signature).decode()}],
    }


def envelope_line(env: dict[str, Any]) -> bytes:
    """One envelope as a JSON Lines record (the ``.intoto.jsonl`` format of slsa-github-generator)."""
    return (json.dumps(env, sort_keys=True, separators=(",", ":")) + "\n").encode()


def parse_envelope(env: Any, source: str) -> tuple[str, bytes, list[bytes]]:
    """(payloadType, payload, [signatures]) of an envelope dict; ShipitError if malformed."""
    try:
        payload = base64.b64decode(env["payload"], validate=True)
        sigs = [base64.b64decode(s["sig"], validate=True) for s in env["signatures"]]
        ptype = env["payloadType"]
        if not isinstance(ptype, str) or not sigs:
            raise ValueError("no payloadType or no signatures")
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise ShipitError(f"{source}: not a DSSE envelope ({exc})") from None
    return ptype, payload, sigs
