"""``shipit check``: validate the config and report the external tools each enabled stage needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shipit import capabilities
from shipit.config import load_config
from shipit.core.context import ReleasePlan, Version, git_info, source_date_epoch
from shipit.core.tools import ToolStatus, check_tool


@dataclass
class StageCheck:
    stage: str
    skipped: str | None
    tools: list[ToolStatus]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return self.skipped is not None or all(t.usable or t.tool.optional for t in self.tools)


def check(config_path: Path, output: Path = Path("release")) -> list[StageCheck]:
    cfg = load_config(config_path)
    git = git_info(cfg.project_dir)
    plan = ReleasePlan(config=cfg, version=Version("0.0.0"), git=git,
                       source_date_epoch=source_date_epoch(git, cfg.path), output_root=output.resolve())
    out = []
    for stage in capabilities.stages():
        reason = stage.skip(plan)
        tools = [] if reason else [check_tool(t) for t in stage.requirements(plan)]
        notes = [] if reason else stage.notes(plan)
        out.append(StageCheck(stage.name, reason, tools, notes))
    return out
