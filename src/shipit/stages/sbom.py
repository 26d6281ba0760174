"""``sbom``: CycloneDX 1.6 SBOMs catalogued from each image's own layers, plus the source dependencies."""

from __future__ import annotations

from shipit.pipeline import Stage


class SbomStage(Stage):
    name = "sbom"
    description = "catalogue each image's layers and the project's dependencies into CycloneDX SBOMs"

    def skip(self, ctx):
        from shipit.sbom.stage import skip_reason

        return skip_reason(ctx)

    def requirements(self, ctx):
        ctx.facts.setdefault("check:sbom", []).append(
            "reads OCI layers in-process (no external tool); validates with cyclonedx-python-lib")
        return []

    def run(self, ctx) -> None:
        from shipit.sbom.stage import run_sbom

        run_sbom(ctx)
