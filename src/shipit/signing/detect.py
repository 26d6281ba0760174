"""``shipit init``'s look for a signing key: a ``cosign.key`` made by ``shipit keygen`` (or cosign)."""

from __future__ import annotations

from shipit.core.detect import Dependencies, Detection, ProjectTree


def detect(tree: ProjectTree, deps: Dependencies) -> Detection:
    out = Detection()
    key = next((rel for rel in ("cosign.key", "keys/cosign.key", ".keys/cosign.key") if (tree.root / rel).is_file()),
               None)
    out.facts["signing_key"] = key
    if key:
        out.add("signing.key", key, f"{key} (a private key file; keep it out of git)")
    else:
        out.miss("signing", "no cosign.key in the project: the signing: section is written commented out",
                 "run `shipit keygen`, then uncomment signing: (or set SHIPIT_SIGNING_KEY)")
    return out
