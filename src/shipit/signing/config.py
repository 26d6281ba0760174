"""The ``signing:`` section of shipit.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shipit.core.config import Model


class SigningConfig(Model):
    mode: Literal["key", "keyless"] = Field(
        "key", description="key: sign with a cosign key file (offline); keyless: Sigstore (Fulcio + Rekor) "
                           "with an ambient OIDC identity, e.g. in GitHub Actions.")
    key: str | None = Field(
        None, description="Private key file for mode: key (cosign encrypted format, or PKCS#8 PEM), relative to "
                          "shipit.yaml. Its password comes from SHIPIT_KEY_PASSWORD, else COSIGN_PASSWORD, else a "
                          "prompt. Create one with `shipit keygen`. Env SHIPIT_SIGNING_KEY overrides it.")
    required: bool = Field(
        True, description="A signing: section means signed releases: a missing key, password or OIDC token fails "
                          "the release. false: the sign stage is skipped with the reason instead, and the release "
                          "is marked UNSIGNED (shipit status, the handoff site).")
    artifacts: Literal["checksums", "all"] = Field(
        "checksums", description="checksums: sign SHA256SUMS only; all: also put a .sig and .sigstore.json "
                                 "next to every file of the release.")
    builder_id: str = Field(
        "urn:shipit:builder:local",
        description="SLSA provenance builder.id (e.g. your CI's workflow URI).")
    trust_config: str | None = Field(
        None, description="mode: keyless: a Sigstore ClientTrustConfig JSON for a private Sigstore instance "
                          "(default: the public-good instance).")
    identity_token_env: str = Field(
        "SIGSTORE_ID_TOKEN", description="mode: keyless: environment variable that may hold an OIDC token; "
                                         "otherwise an ambient credential (GitHub Actions) is detected.")


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"signing": (SigningConfig | None, Field(None, description="Signatures, SLSA provenance and SBOM attestations."))}
