"""``python -m runner``: one JSON request on stdin, one JSON response on stdout (see the package docstring)."""

import json
import sys

from . import handle


def main() -> int:
    request = json.load(sys.stdin)
    json.dump(handle(request), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
