"""What ``shipit verify`` checks about the sign-offs (``signoffs/<role>.json``, added after the release
and bound to its ``SHA256SUMS``): each is bound to this release and signed by the role's pinned key,
else by the trust anchor given."""

from __future__ import annotations

from shipit.core.verify import CheckResult, Release, ok
from shipit.signing.trust import Trust
from shipit.site.signoff import SIGNOFF_DIR, load_signoffs, signoff_check


def check_signoffs(rel: Release, trust: Trust) -> list[CheckResult]:
    signoffs = load_signoffs(rel.root, [trust])  # each signature verified once
    if not signoffs:
        return [ok("sign-offs", "no sign-offs yet")]
    checks = {role: signoff_check(role, so) for role, so in signoffs.items()}
    return [CheckResult("sign-offs", f"{SIGNOFF_DIR}/{role}.json", c.ok, f"{c.name}: {c.detail}")
            for role, c in sorted(checks.items())]


def allowed(_rel: Release) -> set[str]:
    """Sign-offs and the signed-off edition of the site live under signoffs/ (added after the release)."""
    return {SIGNOFF_DIR + "/"}


CHECKS = [("sign-offs", check_signoffs)]
ALLOWED = allowed
