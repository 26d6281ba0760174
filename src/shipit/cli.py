"""The ``shipit`` command line: the root group, the commands that span capabilities (release, check,
init, schema, publish, verify), and every capability's own commands from :mod:`shipit.capabilities`.

Thin: each command parses options and calls one function (in ``shipit/commands/`` or its capability).
That function's module is imported inside the command: `shipit --help` imports this module and every
capability's ``cli.py``, and stays fast only if they import nothing heavy.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click

from shipit import __version__, capabilities
from shipit.core.errors import ShipitError
from shipit.core.options import (
    config_option,
    err_console,
    out_console,
    release_dir_argument,
)
from shipit.signing.cli import trust_from_options, with_identity

#: Exit code of an internal error (a bug in shipit), distinct from findings (1) and usage errors (2);
#: 70 is EX_SOFTWARE in sysexits.h.
EXIT_INTERNAL = 70


class ShipitGroup(click.Group):
    """Turns ShipitError into a clear message and exit code, and any other exception into an internal
    error (exit 70, never 1: a crash must not look like findings); tracebacks only with -v."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ShipitError as exc:
            verbose = bool(ctx.obj and ctx.obj.get("verbose"))
            if verbose:
                err_console.print(traceback.format_exc(), markup=False, highlight=False)
            from rich.markup import (
                escape,  # messages name things like `ignore[rule-id]`: not markup
            )

            err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
            if exc.hint:
                err_console.print(f"[bold]hint:[/] {escape(exc.hint)}", highlight=False)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/]")
            sys.exit(130)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - anything else is a bug: say so, keep the traceback for -v
            verbose = bool(ctx.obj and ctx.obj.get("verbose"))
            if verbose:
                err_console.print(traceback.format_exc(), markup=False, highlight=False)
            err_console.print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False,
                              style="bold red")
            err_console.print("hint: this is a bug in shipit, not a problem in your files; run again with -v "
                              "for the traceback and report it", markup=False, highlight=False)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=ShipitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Show build logs, progress details and tracebacks.")
@click.version_option(__version__, "-V", "--shipit-version", prog_name="shipit")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Turn a service's repository into a complete, verifiable release and an operations handoff."""
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def _csv(_ctx, _param, value: tuple[str, ...]) -> list[str]:
    return [item.strip() for v in value for item in v.split(",") if item.strip()]


def _table(title: str, *columns: str):
    from rich.table import (
        Table,  # rich.table: imported when a table is printed (keeps --help fast)
    )

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table


def summary_table(results, title: str = "Release summary"):
    table = _table(title, "stage", "status", "time", "artifacts", "detail")
    table.columns[2].justify = table.columns[3].justify = "right"
    colors = {"passed": "green", "skipped": "dim", "failed": "red"}
    for r in results:
        table.add_row(r.name, f"[{colors[r.status]}]{r.status}[/]", f"{r.seconds:.2f}s" if r.status != "skipped" else "",
                      str(r.artifacts) if r.status == "passed" else "", r.reason)
    return table


@main.command()
@click.option("--version", "version", metavar="SEMVER", help="Version to release (SemVer 2.0), e.g. 1.4.0.")
@config_option
@click.option("--output", "-o", type=click.Path(path_type=Path), default="release", show_default=True,
              help="Directory that holds releases; the release goes to OUTPUT/VERSION.")
@click.option("--skip", multiple=True, callback=_csv, help="Stages to skip (comma-separated or repeated).")
@click.option("--snapshot", is_flag=True, help="Local build: version gets -snapshot+<sha>, nothing is published.")
@click.option("--force", is_flag=True, help="Replace an existing release of this version (atomically).")
@click.option("--publish", is_flag=True, help="Also run the publish stage (push every image tag and check its digest at the registry).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout.")
@click.option("--database-url", metavar="URL", help="Server to verify migrations on (default: temporary SQLite).")
@click.option("--migrations-from", metavar="REV", help="Previous head revision (default: the previous release's).")
@click.pass_context
def release(ctx, version, config, output, skip, snapshot, force, publish, as_json, database_url,
            migrations_from) -> None:
    """Cut a release into OUTPUT/VERSION: every stage, then manifest.json and SHA256SUMS."""
    from shipit.commands.release import release as cut
    from shipit.core.release import ReleaseOptions
    from shipit.core.runner import StageFailed

    opts = ReleaseOptions(version=version, config=config, output=output, skip=skip, snapshot=snapshot,
                          force=force, publish=publish, verbose=ctx.obj["verbose"],
                          stage_options={"database_url": database_url, "migrations_from": migrations_from})
    try:
        result = cut(opts, err_console)
    except StageFailed as exc:
        err_console.print(summary_table(exc.results, title="Release failed"))
        if as_json:
            click.echo(json.dumps({"ok": False, "failed_stage": exc.stage, "error": exc.cause.message,
                                   "stages": [r.__dict__ for r in exc.results]}, indent=2))
        raise
    err_console.print(summary_table(result.results))
    err_console.print(f"[bold green]released[/] {result.version} → {result.release_dir}")
    if as_json:
        click.echo(json.dumps({"ok": True, "version": result.version, "release_dir": str(result.release_dir),
                               "artifacts": result.artifacts, "stages": [r.__dict__ for r in result.results]},
                              indent=2))


@main.command()
@config_option
def check(config) -> None:
    """Validate shipit.yaml and report, per enabled stage, the external tools it needs."""
    from shipit.commands.check import check as run_check

    results = run_check(config)
    table = _table(f"shipit check — {config}", "stage", "tool", "status", "detail")
    for r in results:
        if r.skipped:
            table.add_row(r.stage, "", "[dim]skipped[/]", r.skipped)
            continue
        if not r.tools:
            table.add_row(r.stage, "", "[green]ready[/]", "; ".join(r.notes) or "no external tools needed")
        for i, st in enumerate(r.tools):
            status = "[green]ok[/]" if st.usable else ("[yellow]missing (optional)[/]" if st.tool.optional
                                                         else "[red]missing[/]")
            table.add_row(r.stage if i == 0 else "", st.tool.name, status, f"{st.detail} — {st.tool.why}")
        for note in r.notes if r.tools else []:
            table.add_row("", "", "", note)
    out_console.print("[green]✓[/] configuration is valid")
    out_console.print(table)
    if not all(r.ok for r in results):
        raise ShipitError("some enabled stages are missing required tools",
                          hint="install them, or disable the stage in shipit.yaml, or pass --skip to release")


@main.command()
def schema() -> None:
    """Print the JSON Schema of shipit.yaml (for editors)."""
    from shipit.config import json_schema_text

    click.echo(json_schema_text(), nl=False)


@main.command()
@click.argument("release_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--image", "images", multiple=True, help="Only this image (repeatable). Default: every image.")
@click.option("--site-to", "site_to", metavar="DIR|oci://REGISTRY/REPO:TAG",
              help="Also publish the handoff site: copy it to DIR, or push its archive as an OCI artifact.")
@click.option("--images/--no-images", "push_images", default=None,
              help="Push the images (default: yes, unless only --site-to is given).")
@click.option("--insecure", is_flag=True, help="Plain HTTP / unverified TLS to the registries.")
@click.option("--retries", type=click.IntRange(0, 10), default=3, show_default=True,
              help="Retries (with exponential backoff) on 5xx and dropped connections.")
@click.pass_context
def publish(ctx, release_dir, images, site_to, push_images, insecure, retries) -> None:
    """Push every tag of every image in RELEASE_DIR and check the registry serves the recorded digest.

    Credentials: SHIPIT_REGISTRY_USERNAME / SHIPIT_REGISTRY_PASSWORD, else the podman/Docker auth file.
    With --site-to, only the site is published unless --images or --image is given too; stdout is then the
    site publication's JSON record and the image table goes to stderr.
    """
    from shipit.commands.publish import publish_images
    from shipit.site.publish import describe, publish_site

    verbose = ctx.obj["verbose"]
    if push_images is None:
        push_images = bool(images) or not site_to
    pushed = []
    if push_images:
        with err_console.status("pushing images"):
            pushed = publish_images(release_dir, list(images) or None, insecure=insecure, retries=retries,
                                    log=(lambda m: err_console.log(m)) if verbose else (lambda m: None))
    if pushed:
        table = _table(f"published images of {release_dir.name}", "image", "reference", "digest")
        for r in pushed:
            table.add_row(r["image"], r["reference"], r["digest"])
        (err_console if site_to else out_console).print(table)
    if site_to:
        result = publish_site(release_dir, site_to, insecure=insecure)
        err_console.print(f"[green]published[/] the {result['edition']} edition of the site → {result['target']}")
        click.echo(describe(result))
    elif not pushed:
        raise ShipitError(f"{release_dir}: nothing to publish (no images)",
                          hint="pass --site-to DIR or --site-to oci://REGISTRY/REPO:TAG to publish the handoff site")


@main.command()
@release_dir_argument
@with_identity
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
def verify(release_dir: Path, key, cert_identity, cert_oidc_issuer, trust_config, as_json: bool) -> None:
    """Verify a release offline: files, SHA256SUMS, signatures, provenance, images, SBOMs, sign-offs.

    Exits 0 only if every check passes.
    """
    from shipit.commands.verify import verify as run_verify

    report = run_verify(release_dir, trust_from_options(key, cert_identity, cert_oidc_issuer, trust_config))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        table = _table(f"shipit verify — {release_dir}", "", "check", "subject", "detail")
        table.columns[0].width = 1
        table.columns[2].overflow = table.columns[3].overflow = "fold"
        for r in report.results:
            table.add_row("[green]✓[/]" if r.ok else "[red]✗[/]", r.check, r.subject, r.reason)
        out_console.print(table)
    if not report.ok:
        failed = report.failures
        names = ", ".join(sorted({f.subject or f.check for f in failed})[:5])
        raise ShipitError(f"verification failed: {len(failed)} problem(s) ({names})",
                          hint="do not deploy this release; compare it with the published one")
    if not as_json:
        out_console.print("[bold green]release verified[/]")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing shipit.yaml.")
def init(directory, force) -> None:
    """Write a commented starter shipit.yaml, detecting Dockerfile, alembic.ini and CI files."""
    from shipit.commands.init import init as run_init

    target, found = run_init(directory, force)
    out_console.print(f"[green]wrote[/] {target}")
    for key, value in found.items():
        if value:
            out_console.print(f"  detected {key.replace('_', ' ')}: {value if not isinstance(value, bool) else 'yes'}")


for _command in capabilities.commands():
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
