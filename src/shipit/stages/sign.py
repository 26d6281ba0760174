"""Signs SHA256SUMS (and, with ``signing.artifacts: all``, every file) and writes the SLSA provenance
and per-image SBOM attestations. See :mod:`shipit.signing.release`."""

from __future__ import annotations

from shipit.pipeline import Stage
from shipit.tools import Tool


class SignStage(Stage):
    name = "sign"
    description = "sign SHA256SUMS, write provenance and SBOM attestations"
    seals = True

    def skip(self, ctx):
        from shipit.signing.release import skip_reason

        return skip_reason(ctx.config)

    def requirements(self, ctx):
        from shipit.signing.release import key_path

        cfg = ctx.config.signing
        if cfg is not None and cfg.mode == "keyless":
            ctx.facts.setdefault("check:sign", []).append("keyless: Fulcio + Rekor via sigstore-python")
            return [Tool("sigstore", why="keyless signing (Fulcio certificate + Rekor entry)",
                         probe=_probe_sigstore)]
        path = key_path(ctx.config)
        return [Tool("signing key", why="signs SHA256SUMS and the attestations",
                     probe=lambda: (path is not None and path.is_file(), str(path) if path else "not configured"))]

    def run(self, ctx) -> None:
        from shipit.signing.release import make_signer, sign_release

        signer = make_signer(ctx.config)
        ctx.log(f"signing with {signer.description}")
        sign_release(ctx, signer)


def _probe_sigstore() -> tuple[bool, str]:
    try:
        import sigstore
    except ImportError:
        return False, "the sigstore Python package is not installed (pip install 'shipit[all]')"
    return True, f"sigstore-python {sigstore.__version__}"
