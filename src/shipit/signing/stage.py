"""Signs SHA256SUMS (and, with ``signing.artifacts: all``, every file) and writes the SLSA provenance
and per-image SBOM attestations. See :mod:`shipit.signing.attest`."""

from __future__ import annotations

from shipit.core.context import ReleaseContext, ReleasePlan
from shipit.core.runner import Stage
from shipit.core.tools import Tool
from shipit.signing.attest import key_path, make_signer, sign_release, skip_reason


class SignStage(Stage):
    name = "sign"
    description = "sign SHA256SUMS, write provenance and SBOM attestations"
    phase = "sign"

    def skip(self, plan: ReleasePlan):
        return skip_reason(plan.config)

    def requirements(self, plan: ReleasePlan):
        cfg = plan.config.signing
        if cfg is not None and cfg.mode == "keyless":
            return [Tool("sigstore", why="keyless signing (Fulcio certificate + Rekor entry)",
                         probe=_probe_sigstore)]
        path = key_path(plan.config)
        return [Tool("signing key", why="signs SHA256SUMS and the attestations",
                     probe=lambda: (path is not None and path.is_file(), str(path) if path else "not configured"))]

    def notes(self, plan: ReleasePlan):
        cfg = plan.config.signing
        return ["keyless: Fulcio + Rekor via sigstore-python"] if cfg is not None and cfg.mode == "keyless" else []

    def run(self, ctx: ReleaseContext) -> None:
        signer = make_signer(ctx.config)
        ctx.log(f"signing with {signer.description}")
        sign_release(ctx, signer)


def _probe_sigstore() -> tuple[bool, str]:
    try:
        import sigstore
    except ImportError:
        return False, "the sigstore Python package is not installed (pip install 'shipit[all]')"
    return True, f"sigstore-python {sigstore.__version__}"


STAGES = [SignStage]
