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
from shipit.core import console as ui
from shipit.core import progress
from shipit.core.errors import InternalError, ShipitError, missing_module, os_error
from shipit.core.options import (
    config_option,
    err_console,
    out_console,
    release_dir_argument,
)
from shipit.signing.cli import trust_from_options, with_identity


def report(exc: BaseException) -> int:
    """Print a failure as one clear message (and the traceback with -v); returns the exit code.

    A :class:`ShipitError` is printed as it is; an OSError names the path and the cause (exit 1); a
    missing package names the extra to install; anything else is an internal error (exit 70)."""
    if isinstance(exc, ShipitError):
        error = exc
    elif isinstance(exc, OSError):
        error = os_error(exc)
    elif isinstance(exc, ModuleNotFoundError):
        error = missing_module(exc)
    else:
        error = InternalError(exc)
    if ui.is_verbose():
        err_console.print("".join(traceback.format_exception(exc)), markup=False, highlight=False, soft_wrap=True)
    ui.error(error.message, error.hint)
    return error.exit_code


class ShipitGroup(click.Group):
    """Turns every failure into a clear message and an exit code (1 failed, 2 usage or configuration,
    70 a bug in shipit); tracebacks only with -v."""

    def main(self, *args, **kwargs):
        ui.set_verbosity(verbose=False, quiet=False)  # set again by -v / -q while the arguments are parsed
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise  # Click's own usage errors (exit 2) and exits
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/]")
            sys.exit(130)
        except BrokenPipeError:
            # stdout closed by the reader (`shipit schema | head`): nothing more to say
            sys.stdout = None  # type: ignore[assignment]  # keeps the interpreter's flush at exit quiet
            sys.exit(1)
        except Exception as exc:  # every failure reaches the user as a message; see report()
            sys.exit(report(exc))


def _set_verbose(_ctx, _param, value: bool) -> None:
    if value:
        ui.set_verbosity(verbose=True)


def _set_quiet(_ctx, _param, value: bool) -> None:
    if value:
        ui.set_verbosity(quiet=True)


VERBOSE_HELP = "Show build logs, progress details and tracebacks."
QUIET_HELP = "Print only results, warnings and errors (no progress, no summary)."


def global_options(command: click.Command) -> None:
    """Accept -v/--verbose and -q/--quiet after any subcommand too (`shipit release -v ...`)."""
    names = {opt for p in command.params for opt in getattr(p, "opts", [])}
    if not names & {"-v", "--verbose"}:
        command.params.append(click.Option(["-v", "--verbose"], is_flag=True, expose_value=False, is_eager=True,
                                           callback=_set_verbose, help=VERBOSE_HELP))
    if not names & {"-q", "--quiet"}:
        command.params.append(click.Option(["-q", "--quiet"], is_flag=True, expose_value=False, is_eager=True,
                                           callback=_set_quiet, help=QUIET_HELP))
    for sub in getattr(command, "commands", {}).values():
        global_options(sub)


@click.group(cls=ShipitGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--shipit-version", prog_name="shipit")
def main() -> None:
    """Turn a service's repository into a complete, verifiable release and an operations handoff.

    -v/--verbose and -q/--quiet work before or after any subcommand."""


def _csv(_ctx, _param, value: tuple[str, ...]) -> list[str]:
    return [item.strip() for v in value for item in v.split(",") if item.strip()]


def summary_table(results, title: str = "Release summary"):
    table = ui.table(title, "stage", "status", "time", "artifacts", "detail")
    table.columns[2].justify = table.columns[3].justify = "right"
    colors = {"passed": "green", "skipped": "dim", "failed": "red"}
    for r in results:
        table.add_row(r.name, ui.styled(r.status, colors[r.status]),
                      f"{r.seconds:.2f}s" if r.status != "skipped" else "",
                      str(r.artifacts) if r.status == "passed" else "", r.reason)
    return table


@main.command()
@click.option("--version", "version", metavar="SEMVER", help="Version to release (SemVer 2.0), e.g. 1.4.0.")
@config_option
@click.option("--output", "-o", type=click.Path(path_type=Path), default="release", show_default=True,
              help="Directory that holds releases; the release goes to OUTPUT/VERSION (a shard to "
                   "OUTPUT/shards/VERSION/).")
@click.option("--skip", multiple=True, callback=_csv, help="Stages to skip (comma-separated or repeated).")
@click.option("--snapshot", is_flag=True, help="Local build: version gets -snapshot+<sha>, nothing is published.")
@click.option("--force", is_flag=True, help="Replace an existing release of this version (atomically).")
@click.option("--publish", is_flag=True, help="Also run the publish stage (push every image tag and check its digest at the registry).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (with --plan-shards: the plan).")
@click.option("--database-url", metavar="URL", help="Server to verify migrations on (default: temporary SQLite).")
@click.option("--migrations-from", metavar="REV", help="Previous head revision (default: the previous release's).")
@click.option("--plan-shards", is_flag=True, help="Print the release's units of work (for CI jobs) and exit.")
@click.option("--shard", "shard_units", multiple=True, metavar="UNIT",
              help="Run only this unit (repeatable) and write OUTPUT/shards/VERSION/<unit>.shard.tar.")
@click.option("--plan", "plan_file", type=click.Path(path_type=Path, dir_okay=False), metavar="PLAN.json",
              help="With --shard or --merge: refuse unless this checkout gives this plan (--plan-shards --json).")
@click.option("--merge", "merging", is_flag=True,
              help="Cut the release from the shard archives given as arguments (files or directories).")
@click.argument("shards", nargs=-1, type=click.Path(path_type=Path), metavar="[SHARDS]...")
def release(version, config, output, skip, snapshot, force, publish, as_json, database_url,
            migrations_from, plan_shards, shard_units, plan_file, merging, shards) -> None:
    """Cut a release into OUTPUT/VERSION: every stage, then manifest.json and SHA256SUMS.

    Across machines: --plan-shards lists the units, --shard UNIT runs units into a shard archive, and
    --merge SHARDS... checks the archives and cuts the release from them (byte-identical to one machine's).
    """
    from shipit.commands.release import release as cut
    from shipit.core.release import ReleaseOptions
    from shipit.core.runner import StageFailed

    modes = [name for name, on in (("--plan-shards", plan_shards), ("--shard", shard_units), ("--merge", merging)) if on]
    if len(modes) > 1:
        raise click.UsageError(f"{' and '.join(modes)} cannot be combined")
    if shards and not merging:
        raise click.UsageError(f"unexpected argument {shards[0]} (shard archives go with --merge)")
    if plan_file is not None and not (shard_units or merging):
        raise click.UsageError("--plan goes with --shard or --merge")
    opts = ReleaseOptions(version=version, config=config, output=output, skip=skip, snapshot=snapshot,
                          force=force, publish=publish, verbose=ui.is_verbose(),
                          stage_options={"database_url": database_url, "migrations_from": migrations_from})
    if plan_shards:
        _print_plan(opts, as_json)
        return
    if shard_units:
        _cut_shard(opts, list(shard_units), plan_file, as_json)
        return
    try:
        if merging:
            from shipit.commands.release import merge

            result = merge(opts, list(shards), plan_file, err_console)
        else:
            result = cut(opts, err_console)
    except StageFailed as exc:
        ui.info(summary_table(exc.results, title="Release failed"))
        if as_json:
            click.echo(json.dumps({"ok": False, "failed_stage": exc.stage, "error": exc.cause.message,
                                   "stages": [_result(r) for r in exc.results]}, indent=2))
        raise
    ui.info(summary_table(result.results))
    ui.info(f"[bold green]released[/] {ui.safe(result.version)} → {ui.safe(result.release_dir)}")
    if as_json:
        click.echo(json.dumps({"ok": True, "version": result.version, "release_dir": str(result.release_dir),
                               "artifacts": result.artifacts, "stages": [_result(r) for r in result.results]},
                              indent=2))


def _result(r) -> dict:
    return {"name": r.name, "status": r.status, "seconds": r.seconds, "reason": r.reason, "artifacts": r.artifacts}


def _print_plan(opts, as_json: bool) -> None:
    from shipit.commands.release import plan_shards as make

    plan = make(opts)
    if as_json:
        click.echo(json.dumps(plan.as_json(), indent=2, sort_keys=True))
        return
    body = plan.body
    out_console.print(f"[bold]shard plan[/] of {ui.safe(body['project'])} {ui.safe(body['version'])}: "
                      f"{len(plan.units)} unit(s)", highlight=False)
    for key in ("commit", "config_digest", "shipit_version", "source_date_epoch"):
        out_console.print(f"  {key}: {ui.safe(str(body[key]))}", highlight=False)
    out_console.print(f"  plan id: {plan.id}", highlight=False)
    table = ui.table("units", "unit", "stage", "archive")
    for unit in plan.units:
        table.add_row(unit.id, unit.stage, f"{unit.slug}.shard.tar")
    out_console.print(table)


def _cut_shard(opts, units: list[str], plan_file, as_json: bool) -> None:
    from shipit.commands.release import shard
    from shipit.core.runner import StageFailed

    try:
        result = shard(opts, units, plan_file, err_console)
    except StageFailed as exc:
        ui.info(summary_table(exc.results, title="Shard failed"))
        raise
    ui.info(summary_table(result.results, title="Shard summary"))
    ui.info(f"[bold green]shard[/] {ui.safe(', '.join(result.units))} → {ui.safe(result.archive)}")
    if as_json:
        click.echo(json.dumps({"ok": True, "archive": str(result.archive), "units": result.units,
                               "digest": result.header["digest"], "plan_id": result.header["plan_id"],
                               "stages": [_result(r) for r in result.results]}, indent=2))


@main.command()
@config_option
def check(config) -> None:
    """Validate shipit.yaml and report, per enabled stage, the external tools it needs."""
    from shipit.commands.check import check as run_check

    results = run_check(config)
    table = ui.table(f"shipit check — {config}", "stage", "tool", "status", "detail")
    for r in results:
        if r.skipped:
            table.add_row(r.stage, "", ui.styled("skipped", "dim"), r.skipped)
            continue
        if not r.tools:
            table.add_row(r.stage, "", ui.styled("ready", "green"), "; ".join(r.notes) or "no external tools needed")
        for i, st in enumerate(r.tools):
            status = ui.styled("ok", "green") if st.usable else (
                ui.styled("missing (optional)", "yellow") if st.tool.optional else ui.styled("missing", "red"))
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
def publish(release_dir, images, site_to, push_images, insecure, retries) -> None:
    """Push every tag of every image in RELEASE_DIR and check the registry serves the recorded digest.

    Credentials: SHIPIT_REGISTRY_USERNAME / SHIPIT_REGISTRY_PASSWORD, else the podman/Docker auth file.
    With --site-to, only the site is published unless --images or --image is given too; stdout is then the
    site publication's JSON record and the image table goes to stderr.
    """
    from shipit.commands.publish import publish_images
    from shipit.site.publish import describe, publish_site

    verbose = ui.is_verbose()
    if push_images is None:
        push_images = bool(images) or not site_to
    pushed = []
    if push_images:
        with progress.activity("pushing images"):
            pushed = publish_images(release_dir, list(images) or None, insecure=insecure, retries=retries,
                                    log=(lambda m: ui.log(m)) if verbose else (lambda m: None))
    if pushed:
        table = ui.table(f"published images of {release_dir.name}", "image", "reference", "digest")
        for r in pushed:
            table.add_row(r["image"], r["reference"], r["digest"])
        (err_console if site_to else out_console).print(table)
    if site_to:
        result = publish_site(release_dir, site_to, insecure=insecure)
        ui.info(f"[green]published[/] the {ui.safe(result['edition'])} edition of the site → {ui.safe(result['target'])}")
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
        table = ui.table(f"shipit verify — {release_dir}", "", "check", "subject", "detail")
        table.columns[0].width = 1
        for r in report.results:
            table.add_row(ui.styled("✓", "green") if r.ok else ui.styled("✗", "red"), r.check, r.subject, r.reason)
        out_console.print(table)
    for name, exc in report.crashed:
        raise InternalError(exc, where=f"the {name} check") from exc
    if not report.ok:
        failed = report.failures
        names = ", ".join(sorted({f.subject or f.check for f in failed})[:5])
        raise ShipitError(f"verification failed: {len(failed)} problem(s) ({names})",
                          hint="do not deploy this release; compare it with the published one")
    if not as_json:
        out_console.print("[bold green]release verified[/]")


@main.group("ci")
def ci() -> None:
    """The CI workflow that cuts this project's releases as shards on parallel runners."""


@ci.command("generate")
@click.option("--provider", type=click.Choice(["github", "gitlab"]), required=True,
              help="github: a GitHub Actions workflow; gitlab: a .gitlab-ci.yml.")
@config_option
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write it to this file (default: standard output).")
@click.option("--shipit-spec", metavar="REQUIREMENT",
              help="What the jobs pip-install to get shipit (default: shipit==<this version>).")
@click.option("--check", "check_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              metavar="FILE", help="GitLab: fail unless FILE's shard matrix lists the plan's units (the plan "
                                   "job runs this).")
def ci_generate(provider, config, output, shipit_spec, check_file) -> None:
    """Write the release workflow: plan job, a matrix of shard jobs, the gates, and the merge job that
    checks the shards, merges, signs and publishes. It passes `shipit pipeline validate` with no findings."""
    from shipit.commands.ci import check, generate
    from shipit.core.files import write_text

    if check_file is not None:
        ui.info(ui.safe(check(provider, config, check_file)))
        return
    rel = None
    if output is not None and provider == "gitlab":
        project = config.resolve().parent
        target = output.resolve()
        rel = target.relative_to(project).as_posix() if target.is_relative_to(project) else str(output)
    text = generate(provider, config, rel, shipit_spec)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        ui.info(f"[green]wrote[/] {ui.safe(output)}")


@main.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False), default=".")
@click.option("--force", is_flag=True, help="Overwrite an existing shipit.yaml.")
def init(directory, force) -> None:
    """Look at the project in DIRECTORY and write a commented starter shipit.yaml for it.

    Prints every value it detected with where it was found, and the keys it could not fill.
    """
    from shipit.commands.init import init as run_init

    result = run_init(directory, force)
    out_console.print(f"[green]wrote[/] {ui.safe(result.target)}", highlight=False)
    width = max((len(f.key) for f in result.found), default=0)
    if result.found:
        out_console.print("\ndetected (key, value, where it was found):", highlight=False, markup=False)
    for f in result.found:
        value = ", ".join(map(str, f.value)) if isinstance(f.value, list) else str(f.value)
        note = f" ({f.note})" if f.note else ""
        out_console.print(f"  {f.key.ljust(width)}  {value}  <- {f.source}{note}", highlight=False, markup=False,
                          soft_wrap=True)
    if result.missing:
        out_console.print("\nnot detected (set these in shipit.yaml):", highlight=False, markup=False)
    for m in result.missing:
        out_console.print(f"  {m.key}: {m.why}" + (f"; {m.hint}" if m.hint else ""), highlight=False, markup=False,
                          soft_wrap=True)
    out_console.print("\nnext:", highlight=False, markup=False)
    for step in result.notes:
        out_console.print(f"  {step}", highlight=False, markup=False, soft_wrap=True)


for _command in capabilities.commands():
    main.add_command(_command)
global_options(main)


if __name__ == "__main__":  # pragma: no cover
    main()
