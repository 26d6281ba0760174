"""Entry points shared by the CLI and the release stage: policy from shipit.yaml, validation, outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipit.config import load_config
from shipit.pipeline.policy import Report, validate
from shipit.pipeline.config import EnvironmentConfig, PipelineConfig


@dataclass
class Policy:
    project_dir: Path
    pipeline: PipelineConfig
    environments: dict[str, EnvironmentConfig] | None
    project: str = ""


def load_policy(config_path: Path, *, required: bool = False) -> Policy:
    """The ``pipeline:``/``environments:`` sections of ``config_path``; defaults when there is no config
    file (unless ``required``)."""
    config_path = Path(config_path)
    if not config_path.is_file() and not required:
        return Policy(config_path.resolve().parent, PipelineConfig(), None)
    cfg = load_config(config_path)
    return Policy(cfg.project_dir, cfg.pipeline or PipelineConfig(), cfg.environments, cfg.project.name)


def validate_files(policy: Policy, files: list[Path] | None = None, zizmor: bool | None = None) -> Report:
    return validate(policy.project_dir, policy.pipeline, files=[Path(f) for f in files or []] or None,
                    environments=policy.environments, zizmor=zizmor)
