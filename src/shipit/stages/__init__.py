"""The ordered list of release stages. Order matters:
images → sbom → migrations / pipeline / ops → site → manifest → checksums → sign → publish."""

from __future__ import annotations

from shipit.pipeline import Stage
from shipit.stages.checksums import ChecksumsStage
from shipit.stages.images import ImagesStage
from shipit.stages.manifest import ManifestStage
from shipit.stages.migrations import MigrationsStage
from shipit.stages.ops import OpsStage
from shipit.stages.pipeline import PipelineStage
from shipit.stages.publish import PublishStage
from shipit.stages.sbom import SbomStage
from shipit.stages.sign import SignStage
from shipit.stages.site import SiteStage


def all_stages() -> list[Stage]:
    """Every registered stage, in run order (a fresh instance per release)."""
    return [
        ImagesStage(),
        SbomStage(),
        MigrationsStage(),
        PipelineStage(),
        OpsStage(),
        SiteStage(),
        ManifestStage(),
        ChecksumsStage(),
        SignStage(),
        PublishStage(),
    ]


def stage_names() -> list[str]:
    return [s.name for s in all_stages()]
