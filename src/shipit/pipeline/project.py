"""Entry points shared by the CLI and the release stage: policy from shipit.yaml, validation, outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipit.config import load_config
from shipit.pipeline.policy import Report, validate
from shipit.pipeline.config import EnvironmentConfig, PipelineConfig

DEFAULT_BASELINE = "pipeline-baseline.yml"


@dataclass
class Policy:
    project_dir: Path
    pipeline: PipelineConfig
    environments: dict[str, EnvironmentConfig] | None
    project: str = ""

    def baseline_path(self, given: Path | None = None) -> Path | None:
        """The baseline file: ``given``, else ``pipeline.baseline`` (relative to shipit.yaml), else None."""
        if given is not None:
            return Path(given)
        if self.pipeline.baseline:
            return self.project_dir / self.pipeline.baseline
        return None


def load_policy(config_path: Path, *, required: bool = False) -> Policy:
    """The ``pipeline:``/``environments:`` sections of ``config_path``; defaults when there is no config
    file (unless ``required``)."""
    config_path = Path(config_path)
    if not config_path.is_file() and not required:
        return Policy(config_path.resolve().parent, PipelineConfig(), None)
    cfg = load_config(config_path)
    return Policy(cfg.project_dir, cfg.pipeline or PipelineConfig(), cfg.environments, cfg.project.name)


def validate_files(policy: Policy, files: list[Path] | None = None, zizmor: bool | None = None,
                   baseline: Path | None | bool = None) -> Report:
    """Validate; the baseline (``baseline``, else ``pipeline.baseline``; ``False``: none) marks accepted
    findings."""
    from shipit.pipeline.suppress import Baseline  # only when a baseline is configured

    path = None if baseline is False else policy.baseline_path(baseline if baseline is not True else None)
    loaded = Baseline.load(path) if path is not None else None
    return validate(policy.project_dir, policy.pipeline, files=[Path(f) for f in files or []] or None,
                    environments=policy.environments, zizmor=zizmor, baseline=loaded)
