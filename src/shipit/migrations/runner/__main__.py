"""``python -m runner``: one JSON request on stdin, one JSON response on stdout (see the package docstring)."""

import json
import sys

from . import handle


def main() -> int:
    if sys.argv[1:] == ["--serve"]:  # a session: one request per line (see host.serve)
        from .host import serve

        return serve(handle, sys.stdin, sys.stdout)
    request = json.load(sys.stdin)
    json.dump(handle(request), sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
