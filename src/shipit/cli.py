"""The ``shipit`` command line: thin Click wrappers that parse options and call one function each."""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from shipit import __version__
from shipit.errors import ShipitError

err_console = Console(stderr=True)
out_console = Console()


class ShipitGroup(click.Group):
    """Turns ShipitError into a clear message and exit code; tracebacks only with -v."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ShipitError as exc:
            verbose = bool(ctx.obj and ctx.obj.get("verbose"))
            if verbose:
                err_console.print(traceback.format_exc(), markup=False, highlight=False)
            err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False)
            if exc.hint:
                err_console.print(f"[bold]hint:[/] {exc.hint}", highlight=False)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/]")
            sys.exit(130)


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


config_option = click.option("--config", "-c", "config", type=click.Path(path_type=Path), default="shipit.yaml",
                             show_default=True, help="Path to shipit.yaml.")


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
    from shipit.pipeline import PipelineFailed, summary_table
    from shipit.release import ReleaseOptions, cut_release

    opts = ReleaseOptions(version=version, config=config, output=output, skip=skip, snapshot=snapshot,
                          force=force, publish=publish, verbose=ctx.obj["verbose"],
                          stage_options={"database_url": database_url, "migrations_from": migrations_from})
    try:
        result = cut_release(opts, err_console)
    except PipelineFailed as exc:
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
    table = Table(title=f"shipit check — {config}")
    table.add_column("stage")
    table.add_column("tool")
    table.add_column("status")
    table.add_column("detail")
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

    verbose = ctx.obj["verbose"]
    if push_images is None:
        push_images = bool(images) or not site_to
    pushed = []
    if push_images:
        with err_console.status("pushing images"):
            pushed = publish_images(release_dir, list(images) or None, insecure=insecure, retries=retries,
                                    log=(lambda m: err_console.log(m)) if verbose else (lambda m: None))
    if pushed:
        table = Table(title=f"published images of {release_dir.name}")
        for col in ("image", "reference", "digest"):
            table.add_column(col)
        for r in pushed:
            table.add_row(r["image"], r["reference"], r["digest"])
        (err_console if site_to else out_console).print(table)
    if site_to:
        from shipit.site.publish import describe, publish_site

        result = publish_site(release_dir, site_to, insecure=insecure)
        err_console.print(f"[green]published[/] the {result['edition']} edition of the site → {result['target']}")
        click.echo(describe(result))
    elif not pushed:
        raise ShipitError(f"{release_dir}: nothing to publish (no images)",
                          hint="pass --site-to DIR or --site-to oci://REGISTRY/REPO:TAG to publish the handoff site")


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


# Each capability keeps its Click commands in its own package (thin; logic lives beside them).
from shipit.migrations.cli import migrations  # noqa: E402
from shipit.ops.cli import ops  # noqa: E402
from shipit.pipelines.cli import pipeline  # noqa: E402
from shipit.sbom.cli import sbom  # noqa: E402
from shipit.signing.cli import COMMANDS as signing_commands  # noqa: E402
from shipit.site.cli import signoff, site, status  # noqa: E402

for _command in (migrations, ops, pipeline, sbom, *signing_commands, signoff, site, status):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
