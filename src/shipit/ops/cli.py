"""``shipit ops generate|test``: thin Click commands over :mod:`shipit.ops.generate`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from shipit.core import console as ui
from shipit.core.errors import ConfigError, ShipitError
from shipit.core.options import config_option, out_console

# The generators (grafana SDK, Jinja) and the whole shipit.yaml model are imported inside each command:
# `shipit --help` imports this module, and should not pay for them.


def _service(config: Path):
    from shipit.config import load_config

    cfg = load_config(config)
    if cfg.service is None:
        raise ConfigError(f"{config}: no service: section",
                          hint="add a service: section (name, team, metrics, slos, ...); see docs/ops.md")
    return cfg


@click.group("ops")
def ops() -> None:
    """Operations handoff: alert rules + unit tests, Alertmanager routes, dashboard, runbooks."""


@ops.command("generate")
@config_option
@click.option("--output", "-o", type=click.Path(path_type=Path, file_okay=False), default="build/ops",
              show_default=True, help="Directory to write alerts/, alertmanager/, dashboards/ and runbooks/ into.")
def generate_cmd(config: Path, output: Path) -> None:
    """Write the ops files for the service: section of shipit.yaml."""
    from shipit.ops.generate import generate, notes

    cfg = _service(config)
    files = generate(cfg.service, output, cfg.project_dir)
    for f in files:
        out_console.print(f"[green]wrote[/] {ui.safe(output / f.path)}  [dim]({f.kind})[/]")
    for note in notes(cfg.service):
        out_console.print(f"[yellow]note[/] {ui.safe(note)}", soft_wrap=True)


@ops.command("test")
@config_option
@click.option("--dir", "ops_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Check already generated files in DIR instead of generating them afresh.")
def test_cmd(config: Path, ops_dir: Path | None) -> None:
    """Run promtool check rules and test rules, amtool check-config and the route tests on the ops files."""
    from shipit.ops.generate import generate, run_checks

    cfg = _service(config)
    with tempfile.TemporaryDirectory(prefix="shipit-ops-") as tmp:
        target = ops_dir or Path(tmp)
        if ops_dir is None:
            generate(cfg.service, target, cfg.project_dir)
        results = run_checks(cfg.service, target)
    table = ui.table("shipit ops test", "check", "status", "detail")
    colors = {"passed": "green", "failed": "red", "skipped": "yellow"}
    for r in results:
        detail = r.output.splitlines()[-1] if r.output and r.status != "failed" else r.output
        table.add_row(r.name, ui.styled(r.status, colors[r.status]), detail)
    out_console.print(table)
    if any(r.status == "failed" for r in results):
        raise ShipitError("some ops checks failed", hint="see the output above")


COMMANDS = [ops]
