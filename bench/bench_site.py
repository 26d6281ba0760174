"""The handoff site: `shipit site build` (render pages + mkdocs --strict + deterministic archive) against
the `mkdocs build --strict` CLI on the same generated project, and shipit's reproducible archive against
GNU tar's reproducible flags.

    python bench/bench_site.py [--runbooks 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
from _common import load_note, median_of, profile_summary, table  # noqa: E402

EPOCH = 1700000000


def make_release(tmp: Path, runbooks: int) -> Path:
    """The test suite's fixture release, with ``runbooks`` extra runbooks so pages scale."""
    import io
    from contextlib import redirect_stderr

    from tests.site import site_helpers as h

    shipit_stage = h.OtherStagesStandIn

    class More(shipit_stage):
        def run(self, ctx):
            super().run(ctx)
            from shipit.core.artifacts import Kind

            for i in range(runbooks):
                p = ctx.path(f"ops/runbooks/topic-{i:03d}.md")
                p.write_text(f"# Topic {i} {{ #topic-{i} }}\n\n" + "Restart the pod, check the logs, roll back.\n" * 40)
                ctx.artifacts.add(p, Kind.RUNBOOK, name=f"topic-{i:03d}")

    h.OtherStagesStandIn = More
    with redirect_stderr(io.StringIO()):
        return h.cut(h.make_project(tmp), tmp / "release")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runbooks", type=int, default=20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="shipit-bench-site-") as tmp:
        tmp = Path(tmp)
        release = make_release(tmp, args.runbooks)
        from shipit.site.build import render_project
        from shipit.site.handoff import edition_view
        from shipit.site.record import load_handoff

        handoff = load_handoff(release)
        manifest = json.loads((release / "manifest.json").read_text())
        view = edition_view(handoff, release, manifest["artifacts"], handoff["stages"], {}, "release")
        cfg = render_project(tmp / "project", handoff, view, release, None)
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "SOURCE_DATE_EPOCH": str(EPOCH),
               "NO_MKDOCS_2_WARNING": "1"}
        pages = sum(1 for _ in (release / "site").rglob("*.html"))
        site_rows = [
            ("mkdocs build --strict (CLI)", *median_of([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                                                        "-f", str(cfg)], args.runs, env=env)),
            ("shipit site build (+render, tar)", *median_of([sys.executable, "-m", "shipit", "site", "build",
                                                                  str(release), "--out", str(tmp / "out")],
                                                                 args.runs, env=env)),
        ]
        print(table(f"handoff site: {pages} pages, median of {args.runs} runs; {load_note()}", site_rows,
                    "mkdocs build --strict (CLI)"))
        if site_rows[1][1] > site_rows[0][1]:
            print(profile_summary(["-m", "shipit", "site", "build", str(release), "--out", str(tmp / "out2")],
                                  env=env))
        site = release / "site"
        tar_rows = [
            ("GNU tar --sort --mtime | gzip -n -9", *median_of(
                ["sh", "-c", f"tar --sort=name --mtime=@{EPOCH} --owner=0 --group=0 --numeric-owner "
                             f"-cf - -C {site} . | gzip -n -9 > {tmp}/gnu.tar.gz"], args.runs)),
            ("shipit deterministic_tar_gz", *median_of(
                [sys.executable, "-c", "import sys; from pathlib import Path; "
                 "from shipit.core.files import deterministic_tar_gz, iter_tree; "
                 f"deterministic_tar_gz(Path('{tmp}/shipit.tar.gz'), iter_tree(Path('{site}')), {EPOCH}, "
                 "compresslevel=9)"], args.runs, env=env)),
        ]
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        print()
        print(table(f"site archive: {size / 2**20:.1f} MiB, median of {args.runs} runs", tar_rows,
                    "GNU tar --sort --mtime | gzip -n -9"))


if __name__ == "__main__":
    main()
