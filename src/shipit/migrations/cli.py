"""``shipit migrations plan | verify | bundle``: thin Click commands over :mod:`shipit.migrations.build`."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click

from shipit.core.errors import ConfigError
from shipit.core.options import config_option, err_console, out_console

# What the commands run (Alembic, SQLAlchemy, the whole shipit.yaml model, the release context) is imported
# inside each command: `shipit --help` imports this module, and should not pay for them.

from_option = click.option("--from", "from_rev", metavar="REV",
                           help="Start after this revision (default: the head recorded by the newest release in "
                                "--releases, else base).")
releases_option = click.option("--releases", type=click.Path(path_type=Path), default="release", show_default=True,
                               help="Directory of earlier releases (their manifests record the previous head).")
url_option = click.option("--database-url", metavar="URL",
                          help="SQLAlchemy URL of a server to verify on (a scratch database is created and dropped); "
                               "default $SHIPIT_VERIFY_DATABASE_URL, else a temporary SQLite file.")


def _load(config: Path):
    from shipit.config import load_config

    cfg = load_config(config)
    if cfg.migrations is None:
        raise ConfigError(f"{config}: no migrations: section", hint="add `migrations: {alembic_ini: alembic.ini}`")
    return cfg


def _previous_manifest(releases: Path, version: str | None):
    from shipit.core.context import Version, previous_release

    return previous_release(releases.resolve(), Version.parse(version) if version else Version("999999.0.0"))


def _source_date(cfg) -> tuple[int, str]:
    from shipit.core.context import git_info, source_date_epoch

    epoch = source_date_epoch(git_info(cfg.project_dir), cfg.path)
    return epoch, datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _show(plan, as_json: bool, doc=None) -> None:
    from shipit.migrations.report import findings_table, offline_warning, plan_table

    if as_json:
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        out_console.print(plan_table(plan))
        if plan.findings:
            out_console.print(findings_table(plan))
    warning = offline_warning(plan)
    if warning:
        err_console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@click.group("migrations")
def migrations() -> None:
    """Plan, verify and bundle the project's Alembic migrations."""


@migrations.command("plan")
@config_option
@from_option
@releases_option
@click.option("--json", "as_json", is_flag=True, help="Print plan.json on stdout instead of tables.")
def plan_cmd(config, from_rev, releases, as_json) -> None:
    """Revisions since the previous release: downgrades, irreversible and destructive changes, locking notes."""
    from shipit.migrations.build import fail_on_errors, make_plan, plan_document

    cfg = _load(config)
    plan = make_plan(cfg.migrations, cfg.project_dir, from_rev=from_rev,
                     previous_manifest=_previous_manifest(releases, None))
    _show(plan, as_json, plan_document(plan, project_name=cfg.project.name, version="unreleased"))
    fail_on_errors(plan)


@migrations.command("verify")
@config_option
@from_option
@releases_option
@url_option
@click.option("--json", "as_json", is_flag=True, help="Print the verification (with exact timings) as JSON.")
def verify_cmd(config, from_rev, releases, database_url, as_json) -> None:
    """Prove the way back: live round trip on a fresh database, offline SQL through the database's client."""
    from shipit.migrations.build import (
        fail_on_errors,
        make_plan,
        verify_plan,
        write_sql,
    )

    cfg = _load(config)
    plan = make_plan(cfg.migrations, cfg.project_dir, from_rev=from_rev,
                     previous_manifest=_previous_manifest(releases, None))
    fail_on_errors(plan)
    epoch, date = _source_date(cfg)
    with tempfile.TemporaryDirectory(prefix="shipit-verify-") as tmp:
        write_sql(plan, Path(tmp), project_name=cfg.project.name, version="unreleased", source_date=date)
        result = verify_plan(plan, Path(tmp), database_url)
    doc = {**result.as_dict(), "timings": result.timings, "rollback_seconds": result.rollback_seconds,
           "findings": [f.as_dict() for f in plan.sorted_findings()]}
    _show(plan, as_json, doc)
    if not as_json:
        out_console.print(f"round trip on {result.backend}: [bold]{result.round_trip}[/]")
        for dialect, c in sorted(result.client.items()):
            out_console.print(f"{dialect} offline SQL ({c['client']}): {c['status']}: {c['detail']}")
    fail_on_errors(plan)


@migrations.command("bundle")
@config_option
@from_option
@releases_option
@url_option
@click.option("--version", "version", metavar="SEMVER", required=True, help="Version the bundle is for.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default="dist/migrations", show_default=True,
              help="Directory to write the bundle's files into (other files there are left alone).")
@click.option("--no-verify", is_flag=True, help="Skip the live round trip (ROLLBACK.md then says so).")
@click.option("--force", is_flag=True, help="Replace the bundle's own files when they are already in OUTPUT.")
def bundle_cmd(config, from_rev, releases, database_url, version, output, no_verify, force) -> None:
    """Write SQL, plan.json, ROLLBACK.md and migrations-VERSION.tar.gz into OUTPUT.

    Only the bundle's own files are written (each staged, then renamed into place once everything
    passed); nothing else in OUTPUT is deleted or changed, OUTPUT's mode included.
    """
    from shipit.core.context import Version
    from shipit.migrations.build import produce
    from shipit.migrations.placing import own_files, place, refuse_existing, staging_dir

    cfg = _load(config)
    version = Version.parse(version).text
    epoch, date = _source_date(cfg)
    output = output.resolve()
    expected = own_files(version, cfg.migrations.dialects)
    refuse_existing(output, expected, force)  # before any work: a clear error, nothing written
    with staging_dir(output) as tmp:
        plan, outputs = produce(cfg.migrations, cfg.project_dir, tmp, project_name=cfg.project.name,
                                version=version, source_date=date, source_date_epoch=epoch, from_rev=from_rev,
                                previous_manifest=_previous_manifest(releases, version), database_url=database_url,
                                verify_live=False if no_verify else None)
        _show(plan, False)
        place(tmp, output, expected, force)
    out_console.print(f"[green]wrote[/] {output / outputs.bundle.name}")


COMMANDS = [migrations]
