"""The ordered list of release stages. Order matters:
build → sbom → migrations/pipeline/ops → site → manifest → checksums → sign → publish."""

from __future__ import annotations

from shipit.pipeline import Stage
from shipit.stages.checksums import ChecksumsStage
from shipit.stages.manifest import ManifestStage
from shipit.stages.site import SiteStage
from shipit.stages.ops import OpsStage
from shipit.stages.pipeline import PipelineStage
from shipit.stages.sign import SignStage
from shipit.stages.migrations import MigrationsStage


def all_stages() -> list[Stage]:
    """Every registered stage, in run order (a fresh instance per release)."""
    return [
        MigrationsStage(),
        OpsStage(),
        PipelineStage(),
        SiteStage(),
        ManifestStage(),
        ChecksumsStage(),
        SignStage(),
    ]


def stage_names() -> list[str]:
    return [s.name for s in all_stages()]
