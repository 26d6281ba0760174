"""Ask the deployment controller to roll out an image by digest.

    DEPLOY_URL=https://deploy.example.internal/v1/services/orders DEPLOY_TOKEN=... \
        python deploy/rollout.py ghcr.io/acme/orders-service@sha256:...

POSTs {"image": "<ref>"} with a bearer token; exits non-zero unless the controller answers 2xx.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.request


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not re.fullmatch(r"\S+@sha256:[0-9a-f]{64}", argv[0]):
        print("usage: rollout.py IMAGE@sha256:DIGEST (deploy by digest, never by tag)", file=sys.stderr)
        return 2
    url, token = os.environ.get("DEPLOY_URL", ""), os.environ.get("DEPLOY_TOKEN", "")
    if not url.startswith("https://") or not token:
        print("DEPLOY_URL (https://...) and DEPLOY_TOKEN must be set", file=sys.stderr)
        return 2
    # The scheme is checked above (https only), which is what S310/B310 ask for.
    request = urllib.request.Request(  # noqa: S310
        url, method="POST", data=json.dumps({"image": argv[0]}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  # nosec B310
        print(f"rollout accepted: HTTP {response.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
