"""``shipit ci generate``: the CI workflow that cuts a sharded release of this project
(:mod:`shipit.pipeline.generate`), from its shipit.yaml and the plan's units; ``--check`` tells whether a
generated GitLab file still lists the plan's units."""

from __future__ import annotations

from pathlib import Path

from shipit import capabilities
from shipit.config import load_config
from shipit.core.errors import ShipitError, UsageError
from shipit.core.release import ReleaseOptions, make_plan
from shipit.core.shards import ShardPlan
from shipit.core.yamlpos import load_yaml, plain
from shipit.pipeline.generate import ProjectFacts, github, gitlab, gitlab_matrix

DEV_REQUIREMENTS = ("requirements-dev.txt", "requirements/dev.txt", "dev-requirements.txt", "requirements_dev.txt")
NOT_CODE = {"tests", "test", "docs", "doc", "examples", "scripts", "build", "dist", "node_modules", "site"}


def facts(config_path: Path, shipit_spec: str | None = None) -> ProjectFacts:
    config = load_config(config_path)
    # the units depend on shipit.yaml alone, not on the version: any version gives the same ones
    plan = make_plan(ReleaseOptions(version="0.0.0", config=config_path), config)
    units = ShardPlan.of(plan, capabilities.stages()).body["units"]
    root = config.project_dir
    if (root / "src").is_dir():
        packages = ["src"]
    else:
        packages = sorted(p.name for p in root.iterdir()
                          if p.is_dir() and not p.name.startswith(".") and p.name not in NOT_CODE
                          and ((p / "__init__.py").is_file() or (p / "env.py").is_file()))
    out = ProjectFacts(
        name=config.project.name, units=units,
        signing=config.signing.mode if config.signing is not None else None,
        identity_token_env=config.signing.identity_token_env if config.signing is not None else "SIGSTORE_ID_TOKEN",
        repositories=sorted({i.repository for i in config.images if i.repository}),
        dev_requirements=next((r for r in DEV_REQUIREMENTS if (root / r).is_file()), None),
        requirements="requirements.txt" if (root / "requirements.txt").is_file() else None,
        packages=packages)
    if shipit_spec:
        out.shipit = shipit_spec
    return out


def generate(provider: str, config_path: Path, output: str | None = None, shipit_spec: str | None = None) -> str:
    found = facts(config_path, shipit_spec)
    if provider == "github":
        return github(found)
    return gitlab(found, output or ".gitlab-ci.yml")


def check(provider: str, config_path: Path, file: Path) -> str:
    """Raise unless ``file`` (a generated GitLab pipeline) lists exactly the plan's units; returns a summary."""
    if provider != "gitlab":
        raise UsageError("--check is for GitLab: the GitHub workflow takes its shard matrix from the plan job "
                         "at run time, so it cannot be stale")
    units = [u["id"] for u in facts(config_path).units]
    try:
        data = plain(load_yaml(file.read_bytes(), str(file)), str(file))
    except OSError as exc:
        raise UsageError(f"--check {file}: cannot read it ({exc.strerror})") from None
    except ShipitError as exc:  # not YAML: the file given is wrong, not the matrix in it
        raise UsageError(exc.message, hint=exc.hint) from None
    listed = gitlab_matrix(data)
    regenerate = f"run `shipit ci generate --provider gitlab -o {file}` again and commit it"
    if listed is None:
        raise ShipitError(f"{file}: no shipit-shard job with a parallel:matrix of SHIPIT_UNIT", hint=regenerate)
    if listed != units:
        missing = [u for u in units if u not in listed]
        extra = [u for u in listed if u not in units]
        detail = "; ".join([f"the plan's units it lacks: {', '.join(missing)}"] * bool(missing)
                           + [f"units the plan no longer has: {', '.join(extra)}"] * bool(extra)) or "another order"
        raise ShipitError(f"{file}: the shard matrix is stale ({detail})", hint=regenerate)
    return f"{file}: the shard matrix lists the plan's {len(units)} unit(s)"
