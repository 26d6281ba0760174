"""``shipit pipeline ...``: validate CI/CD workflows and render environment documentation."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from shipit.core.errors import ConfigError, ShipitError
from shipit.core.options import config_option

# The validators (check-jsonschema, jsonschema) and the whole shipit.yaml model are imported inside the
# commands: `shipit --help` imports this module, and should not pay for them.


@click.group("pipeline")
def pipeline() -> None:
    """Validate CI/CD pipelines (GitHub Actions, GitLab CI) against the release policy."""


def _skip_iri_parser() -> None:
    """jsonschema imports rfc3987_syntax when present, which builds an Earley parser at import time (~5 s
    here). The workflow schemas use no IRI formats, and nothing else runs in this command: skip it."""
    sys.modules.setdefault("rfc3987_syntax", None)


@pipeline.command("validate")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--config", "-c", "config", type=click.Path(path_type=Path), default="shipit.yaml", show_default=True,
              help="shipit.yaml with the pipeline: policy (defaults apply when it does not exist).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to this file instead of standard output.")
@click.option("--zizmor/--no-zizmor", default=None, help="Run zizmor --offline too (default: pipeline.zizmor).")
@click.option("--baseline", "baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Baseline of accepted findings (default: pipeline.baseline in shipit.yaml).")
@click.option("--write-baseline", is_flag=True,
              help="Accept every current finding: write them to the baseline file (with --reason), then report.")
@click.option("--reason", help="Why the findings written by --write-baseline are accepted (required with it).")
def validate_cmd(files, config, fmt, output, zizmor, baseline, write_baseline, reason) -> None:
    """Check FILES (default: the project's workflows) for gates, pinning, permissions and more.

    Exits 0 when no error-level finding remains (suppressed findings do not count), 1 when one does, 2 on
    a usage or configuration error, 70 on an internal error.
    """
    _skip_iri_parser()
    from shipit.core.errors import UsageError
    from shipit.core.files import write_text
    from shipit.pipeline.project import DEFAULT_BASELINE, load_policy, validate_files
    from shipit.pipeline.report import to_json, to_sarif, to_text
    from shipit.pipeline.suppress import Baseline
    from shipit.pipeline.suppress import write_baseline as write

    if write_baseline and not (reason or "").strip():
        raise UsageError("--write-baseline needs --reason: say why these findings are accepted",
                         hint='e.g. --reason "reviewed 2026-03-01: tests run in ci.yml before every tag"')
    policy = load_policy(config)
    if write_baseline:
        path = policy.baseline_path(baseline) or (policy.project_dir / DEFAULT_BASELINE)
        old = Baseline.load(path) if path.is_file() else None
        report = validate_files(policy, list(files), zizmor, baseline=path if old else False)
        count = write(path, report.findings, reason.strip(), old)
        click.echo(f"wrote {count} accepted finding(s) to {path}"
                   + ("" if policy.pipeline.baseline or baseline else
                      f"; set pipeline.baseline: {path.name} in shipit.yaml to use it"), err=True)
        report = validate_files(policy, list(files), zizmor, baseline=path)
    else:
        report = validate_files(policy, list(files), zizmor, baseline=baseline)
    text = {"text": to_text, "json": to_json, "sarif": to_sarif}[fmt](report)
    if output:
        write_text(output, text)
    else:
        click.echo(text, nl=False)
    if not report.ok:
        raise ShipitError(f"pipeline validation found {report.counts['error']} error(s)",
                          hint="fix them; accept a reviewed one with `# shipit: ignore[rule-id] reason` or a "
                               "baseline; or downgrade a rule with pipeline.severity in shipit.yaml")


@pipeline.command("environments")
@config_option
def environments_cmd(config) -> None:
    """Print the environments: section as Markdown (what pipeline/environments.md contains)."""
    _skip_iri_parser()
    from shipit.pipeline.project import load_policy, validate_files
    from shipit.pipeline.report import environments_markdown

    policy = load_policy(config, required=True)
    if not policy.environments:
        raise ConfigError(f"{config}: no environments: section", hint="see docs/pipeline.md for an example")
    try:  # the "deployed by" column comes from the workflows, when there are any
        report = validate_files(policy, zizmor=False)
    except ShipitError:
        report = None
    click.echo(environments_markdown(policy.environments, policy.pipeline, report, policy.project), nl=False)


COMMANDS = [pipeline]
