"""Run the real `shipit` CLI and SIGKILL it at one point of a release (a real kill -9, nothing mocked):

    python killer.py after:<stage> ARGS...     right after <stage> finished (the next stage has not begun)
    python killer.py before:<stage> ARGS...    right before <stage> starts
    python killer.py promote:before ARGS...    after every stage passed, right before the rename into place
    python killer.py promote:after ARGS...     right after the rename, before the old release is removed

The process kills itself with SIGKILL, so no handler, finally block or atexit hook of shipit runs.
"""

from __future__ import annotations

import os
import signal
import sys


def die() -> None:
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    when, rest = sys.argv[1], sys.argv[2:]
    point, _, name = when.partition(":")
    from shipit import capabilities
    from shipit.core import release as core_release

    if point in ("before", "after"):
        make = capabilities.stages

        def stages():
            out = make()
            for stage in out:
                if stage.name == name:
                    run = stage.run

                    def killing(ctx, run=run):
                        if point == "before":
                            die()
                        run(ctx)
                        die()

                    stage.run = killing
            return out

        capabilities.stages = stages
    elif point == "promote":
        exchange, rename = core_release._exchange, core_release.os.rename

        def at_promotion(fn):
            def wrapped(*args, **kwargs):
                if name == "before":
                    die()
                result = fn(*args, **kwargs)
                die()
                return result
            return wrapped

        core_release._exchange = at_promotion(exchange)
        core_release.os = type(sys)("os_for_promotion")  # only promote() sees the wrapped rename
        core_release.os.__dict__.update(os.__dict__)
        core_release.os.rename = at_promotion(rename)
    else:
        raise SystemExit(f"unknown point {when!r}")

    from shipit.cli import main as shipit_main

    shipit_main(rest, prog_name="shipit")


if __name__ == "__main__":
    main()
