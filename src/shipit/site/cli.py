"""Commands of the handoff site: ``shipit site build``, ``shipit signoff``, ``shipit status``
(``shipit publish --site-to`` lives with the other publish options in ``shipit.cli``).
Thin: each parses options and calls one function. Those functions' modules (MkDocs, cryptography) are
imported inside the commands: `shipit --help` imports this module, and should not pay for them."""

from __future__ import annotations

import json
from pathlib import Path

import click

from shipit.core import console as ui
from shipit.core.options import out_console as out
from shipit.core.options import release_dir_argument as release_dir_arg

pubkey_option = click.option("--key", "keys", multiple=True, type=click.Path(path_type=Path, exists=True),
                             help="Trusted public key(s) sign-offs must verify with (repeatable); a role whose key "
                                  "is pinned in the release (signoff-keys/<role>.pub) must use that key.")


def _print_decision(decision) -> None:
    table = ui.table(f"go / no-go: {decision.label}", "check", "ok", "detail")
    for c in decision.checks:
        table.add_row(c.name, ui.styled("✓", "green") if c.ok else ui.styled("✗", "red"), c.detail)
    out.print(table)
    if decision.unsigned:
        out.print(f"[bold red]UNSIGNED[/]: {ui.safe(decision.unsigned)}; nothing proves who cut this release",
                  soft_wrap=True)
    if decision.trust:
        out.print(f"[dim]sign-off signatures checked with {ui.safe(decision.trust)}[/]", soft_wrap=True)
    for warning in decision.warnings:
        out.print(f"[yellow]warning:[/] {ui.safe(warning)}", soft_wrap=True)
    out.print("[bold green]GO[/]" if decision.go else "[bold red]NO-GO[/]")


@click.group("site")
def site() -> None:
    """The offline handoff site of a release."""


@site.command("build")
@release_dir_arg
@pubkey_option
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the site and archive here instead of RELEASE_DIR/signoffs/.")
def site_build(release_dir, keys, out_dir) -> None:
    """Rebuild the signed-off edition of a finished release's site (with its current sign-offs)."""
    from shipit.site.handoff import build_signed_edition
    from shipit.site.record import archive_name, load_handoff

    out_site = out_archive = None
    if out_dir is not None:
        out_site = out_dir / "site"
        out_archive = out_dir / archive_name(load_handoff(release_dir)["version"])
    site_dir, archive = build_signed_edition(release_dir, list(keys), out_site, out_archive)
    out.print(f"[green]built[/] {ui.safe(site_dir / 'index.html')}\n[green]archive[/] {ui.safe(archive)}")


@click.command("signoff")
@release_dir_arg
@click.option("--role", required=True, help="The role you sign for (e.g. security).")
@click.option("--name", required=True, help="Your name.")
@click.option("--decision", required=True, type=click.Choice(["approve", "reject"]))
@click.option("--comment", default="", help="Optional comment shown on the Sign-off page.")
@click.option("--key", "key", required=True, type=click.Path(path_type=Path, exists=True),
              envvar="SHIPIT_SIGNOFF_KEY", help="Your private key (cosign key file or PKCS#8 PEM, ECDSA P-256; "
                                                 "password from SHIPIT_KEY_PASSWORD / COSIGN_PASSWORD). "
                                                 "Env: SHIPIT_SIGNOFF_KEY.")
@click.option("--verify-key", "verify_keys", multiple=True, type=click.Path(path_type=Path, exists=True),
              help="Trusted public keys (repeatable) the sign-offs are checked with when the signed-off site is "
                   "rebuilt and the decision printed: give the same keys as to `shipit status --key` and both say "
                   "the same (keys pinned in the release are always used).")
def signoff(release_dir, role, name, decision, comment, key, verify_keys) -> None:
    """Sign off a finished release for a role, then rebuild the signed-off site under signoffs/."""
    from shipit.site.handoff import build_signed_edition
    from shipit.site.record import load_handoff
    from shipit.site.signoff import release_identity, sign_off
    from shipit.site.status import release_status

    release_identity(release_dir)  # a finished release (SHA256SUMS + manifest) before anything else
    roles = load_handoff(release_dir)["roles"]
    path = sign_off(release_dir, role, name, decision, key, comment=comment, roles=roles)
    out.print(f"[green]signed[/] {ui.safe(path)}")
    site_dir, archive = build_signed_edition(release_dir, list(verify_keys))
    out.print(f"[green]rebuilt[/] {ui.safe(site_dir / 'index.html')} and {ui.safe(archive.name)}")
    trusted = list(verify_keys)
    _print_decision(release_status(release_dir, trusted))
    if not trusted:
        out.print("[dim]no --verify-key given: sign-offs whose role has no key pinned in the release count as "
                  "unverified, on the rebuilt site as in `shipit status` without --key[/]")


@click.command("status")
@release_dir_arg
@pubkey_option
@click.option("--json", "as_json", is_flag=True, help="Print the decision as JSON.")
@click.pass_context
def status(ctx, release_dir, keys, as_json) -> None:
    """Go / no-go of a release: stages passed, gates met, required roles approved, no rejection.
    Exits 0 only on go."""
    from shipit.site.status import release_status

    decision = release_status(release_dir, list(keys))
    if as_json:
        click.echo(json.dumps(decision.as_dict(), indent=2, sort_keys=True))
    else:
        _print_decision(decision)
    ctx.exit(0 if decision.go else 1)


COMMANDS = [site, signoff, status]
