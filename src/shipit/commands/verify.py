"""``shipit verify``: the auditor's offline check of a whole release, every capability's checks run by
:func:`shipit.core.verify.verify_release` against a trust anchor (:class:`shipit.signing.trust.Trust`)."""

from __future__ import annotations

from pathlib import Path

from shipit import capabilities
from shipit.core.verify import Report, verify_release
from shipit.signing.trust import Trust


def verify(release_dir: Path, trust: Trust) -> Report:
    return verify_release(release_dir, trust, capabilities.checks())
