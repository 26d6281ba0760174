"""``shipit init``: write a commented starter ``shipit.yaml`` for the project in a directory."""

from __future__ import annotations

import re
from pathlib import Path

from shipit.core.errors import UsageError
from shipit.core.files import write_text
from shipit.core.templating import environment


def detect(project_dir: Path) -> dict:
    """What the project has that shipit can use."""
    workflows = sorted(p.relative_to(project_dir).as_posix()
                       for p in (project_dir / ".github" / "workflows").glob("*.y*ml"))
    return {
        "dockerfile": (project_dir / "Dockerfile").is_file(),
        "alembic_ini": (project_dir / "alembic.ini").is_file(),
        "github_workflows": workflows,
        "gitlab_ci": (project_dir / ".gitlab-ci.yml").is_file(),
    }


def project_name(project_dir: Path) -> str:
    name = re.sub(r"[^a-z0-9._-]+", "-", project_dir.resolve().name.lower()).strip("-._")
    return name or "service"


def render_init(project_dir: Path) -> str:
    facts = detect(project_dir)
    return environment(project_dir).get_template("init/shipit.yaml.j2").render(
        name=project_name(project_dir), **facts
    )


def init(project_dir: Path, force: bool = False) -> tuple[Path, dict]:
    target = project_dir / "shipit.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists", hint="pass --force to overwrite it")
    write_text(target, render_init(project_dir))
    return target, detect(project_dir)
