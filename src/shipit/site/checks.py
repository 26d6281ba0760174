"""What ``shipit verify`` checks about the sign-offs (``signoffs/<role>.json``, added after the release
and bound to its ``SHA256SUMS``): each is bound to this release and signed by the role's pinned key,
else by the trust anchor given."""

from __future__ import annotations

from shipit.core.verify import CheckResult, Release, ok
from shipit.signing.trust import Trust
from shipit.site.signoff import SIGNOFF_DIR, load_history, load_signoffs, signoff_check


def check_signoffs(rel: Release, trust: Trust) -> list[CheckResult]:
    signoffs = load_signoffs(rel.root, [trust])  # each signature verified once
    history = load_history(rel.root, [trust])  # earlier decisions are checked like the latest
    if not signoffs and not history:
        return [ok("sign-offs", "no sign-offs yet")]
    out = []
    for role, so in sorted(signoffs.items()):
        c = signoff_check(role, so)
        out.append(CheckResult("sign-offs", f"{SIGNOFF_DIR}/{role}.json", c.ok, f"{c.name}: {c.detail}"))
    for role, entries in sorted(history.items()):
        for so in entries:
            c = signoff_check(role, so)
            out.append(CheckResult("sign-offs", so.path, c.ok, f"{c.name}, earlier decision of {so.date}: {c.detail}"))
    return out


def allowed(_rel: Release) -> set[str]:
    """Sign-offs and the signed-off edition of the site live under signoffs/ (added after the release)."""
    return {SIGNOFF_DIR + "/"}


CHECKS = [("sign-offs", check_signoffs)]
ALLOWED = allowed
