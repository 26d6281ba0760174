"""The project's Alembic environment, described by a plain ``spec`` dict:

    {"root": dir of shipit.yaml, "run_dir": dir alembic runs from (the ini's), "script_location": dir,
     "main_options": {ini [alembic] options}, "ini_section": "alembic", "python_path": [dirs],
     "hidden_env": [variable names hidden while the project's code runs]}

Loading the script directory imports every revision module: failures are turned into errors that name the
revision file and the missing module.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory

from .errors import RunnerError
from .host import chdir, environment, flask_context, make_config

BASE = "base"
IMPORT_HINT = ("install the project's runtime dependencies (where shipit runs), or set migrations.python_path to "
               "the directories that hold the project's own modules")


def rel(spec: dict[str, Any], path: str | Path) -> str:
    try:
        return Path(os.path.relpath(path, spec["root"])).as_posix()
    except ValueError:
        return Path(path).as_posix()


def alembic_config(spec: dict[str, Any], url: str | None = None, buffer: io.StringIO | None = None) -> AlembicConfig:
    """An Alembic Config for the project: its alembic.ini when it has one (so env.py's
    ``fileConfig(config.config_file_name)`` works), the ini's main options without template placeholders,
    the resolved script location, and ``url`` pinned as ``sqlalchemy.url`` (env.py cannot overwrite it) and
    passed as ``-x url=...`` (a common env.py convention).
    """
    cmd_opts = argparse.Namespace(x=[f"url={url}"] if url is not None else [])
    cfg = make_config(spec, ini_section=spec.get("ini_section", "alembic"), output_buffer=buffer,
                      stdout=io.StringIO(), cmd_opts=cmd_opts)
    for key, value in spec.get("main_options", {}).items():
        cfg.set_main_option(key, value.replace("%", "%%"))
    cfg.set_main_option("script_location", spec["script_location"])
    if url is not None:
        cfg.pin_url(url)
    return cfg


def _prepend_paths(spec: dict[str, Any]) -> list[str]:
    cfg = alembic_config(spec)
    try:
        paths = cfg._get_prepend_sys_paths_list()  # noqa: SLF001 - the same split Alembic applies
    except AttributeError:  # older Alembic: space/comma separated
        raw = spec.get("main_options", {}).get("prepend_sys_path", "")
        paths = [p for p in raw.replace(",", " ").split() if p]
    return [os.path.abspath(os.path.join(spec["run_dir"], p)) for p in paths]


@contextlib.contextmanager
def running(spec: dict[str, Any], url: str | None = None) -> Iterator[io.StringIO]:
    """Run the project's code as if from the ini's directory, with its import paths; URL variables hidden;
    ``migrations.env`` set (``{database_url}`` → ``url``); the Flask application's context pushed; what it
    prints on stdout captured (stdout is the runner's answer channel) and yielded.

    ``prepend_sys_path`` is applied every time (not only when the script directory is first read), so an
    env.py run later still finds the project's modules. The project's root comes last: an installed copy of
    the project wins (as with the project's own ``alembic``), an uninstalled one still imports.
    """
    saved_path = list(sys.path)
    hidden = {k: os.environ.pop(k) for k in spec.get("hidden_env", ()) if k in os.environ}
    extra = [os.path.abspath(p) for p in spec.get("python_path", ())] + _prepend_paths(spec)
    sys.path[:0] = [p for p in extra if p not in sys.path[: len(extra)]]
    root = os.path.abspath(spec["root"])
    if spec.get("root_importable") and root not in sys.path:
        sys.path.append(root)
    printed = io.StringIO()
    try:
        with environment(spec, url), flask_context(spec, url), chdir(spec["run_dir"]), \
                warnings.catch_warnings(), contextlib.redirect_stdout(printed):
            warnings.simplefilter("ignore")
            yield printed
    finally:
        sys.path[:] = saved_path
        os.environ.update(hidden)


# --- where an exception comes from -------------------------------------------------------------------------


def version_dirs(script: ScriptDirectory) -> list[Path]:
    dirs = [Path(d).resolve() for d in script._version_locations]  # noqa: SLF001 - no public accessor
    return [d for d in dirs if d.is_dir()]


def _under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def frame_in(exc: BaseException, files: set[str] | None = None, dirs: list[Path] | None = None) -> tuple[str, int] | None:
    """The innermost traceback frame in one of ``files`` or under one of ``dirs``: (path, line)."""
    found = None
    for fr in traceback.extract_tb(exc.__traceback__):
        path = os.path.realpath(fr.filename)
        if (files and path in files) or (dirs and any(_under(Path(path), d) for d in dirs)):
            found = (path, fr.lineno or 0)
    return found


def _revision_id_in(path: str) -> str:
    import re

    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "?"
    m = re.search(r"""^revision\s*(?::\s*str\s*)?=\s*['"]([^'"]+)['"]""", text, re.MULTILINE)
    return m.group(1) if m else "?"


def import_error(spec: dict[str, Any], exc: BaseException, where: tuple[str, int] | None, what: str) -> RunnerError:
    """An exception raised while importing a revision module or env.py, as a message naming file and module."""
    missing = getattr(exc, "name", None) if isinstance(exc, ImportError) else None
    loc = f"{rel(spec, where[0])}:{where[1]}" if where else what
    rev = _revision_id_in(where[0]) if where and what == "revision" else ""
    subject = f"revision {rev} ({loc})" if rev else loc
    if missing:
        return RunnerError("import", f"{subject} imports {missing}, which is not installed here "
                                     f"(No module named {missing!r})", IMPORT_HINT, file=loc, module=missing)
    return RunnerError("import", f"{subject} cannot be imported: {type(exc).__name__}: {_one_line(exc)}",
                       "fix the file; `python -c 'import ast'` aside, running `alembic history` shows the same error"
                       if not isinstance(exc, ImportError) else IMPORT_HINT, file=loc)


def _one_line(exc: BaseException, limit: int = 400) -> str:
    return " ".join(str(exc).split())[:limit]


# --- the script directory, read once per process ------------------------------------------------------------

_CACHE: dict[str, tuple[str, ScriptDirectory]] = {}


def _fingerprint(spec: dict[str, Any]) -> str:
    root = Path(spec["script_location"])
    stats = []
    for p in sorted(root.rglob("*.py")):
        try:
            st = p.stat()
        except OSError:
            continue
        stats.append((str(p), st.st_mtime_ns, st.st_size))
    return json.dumps(stats)


def script_directory(spec: dict[str, Any]) -> ScriptDirectory:
    """Alembic's ScriptDirectory with every revision module loaded (cached while the files are unchanged)."""
    key = json.dumps(spec, sort_keys=True)
    fp = _fingerprint(spec)
    hit = _CACHE.get(key)
    if hit and hit[0] == fp:
        return hit[1]
    from alembic.util import CommandError

    with running(spec):
        try:
            script = ScriptDirectory.from_config(alembic_config(spec))
        except CommandError as exc:
            raise RunnerError("graph", f"cannot open the Alembic script directory: {exc}") from None
        dirs = version_dirs(script)
        _check_syntax(spec, dirs)
        try:
            list(script.walk_revisions())  # imports every revision module
        except Exception as exc:  # the project's own code: re-raised with the file and line
            where = frame_in(exc, dirs=dirs)
            if where is not None:
                raise import_error(spec, exc, where, "revision") from None
            raise _graph_error(spec, dirs, exc) from None
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (fp, script)
    return script


def _check_syntax(spec: dict[str, Any], dirs: list[Path]) -> None:
    """Compile every revision file first, so a typo is reported with its file, line and revision id."""
    import ast

    for d in dirs:
        for path in sorted(d.glob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                ast.parse(text, filename=str(path))
            except SyntaxError as exc:
                raise RunnerError("syntax", f"{rel(spec, path)}:{exc.lineno}: syntax error in revision "
                                            f"{_revision_id_in(str(path))}: {exc.msg}",
                                  "fix the revision file; `python -m py_compile FILE` shows the same error") from None


def _graph_error(spec: dict[str, Any], dirs: list[Path], exc: Exception) -> RunnerError:
    """Name the file whose down_revision points nowhere, if we can find it."""
    import ast

    known: dict[str, tuple[Any, Path]] = {}
    for d in dirs:
        for path in sorted(d.glob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            values = {}
            for node in tree.body:
                target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                    node.target if isinstance(node, ast.AnnAssign) else None)
                if isinstance(target, ast.Name) and getattr(node, "value", None) is not None:
                    with contextlib.suppress(ValueError):
                        values[target.id] = ast.literal_eval(node.value)
            if isinstance(values.get("revision"), str):
                known[values["revision"]] = (values.get("down_revision"), path)
    for rev, (down, path) in sorted(known.items()):
        for d in down if isinstance(down, (list, tuple)) else [down]:
            if d is not None and d not in known:
                return RunnerError("graph", f"broken revision chain: revision {rev} ({rel(spec, path)}) has "
                                            f"down_revision {d!r}, which does not exist",
                                   "every down_revision must name an existing revision")
    return RunnerError("graph", f"cannot read the revision graph: {type(exc).__name__}: {_one_line(exc)}",
                       "`alembic history` shows the same error")


def _downs(sc) -> list[str]:
    d = sc.down_revision
    return list(d) if isinstance(d, (list, tuple)) else ([d] if d else [])


def resolve(spec: dict[str, Any], script: ScriptDirectory, rev: str | None, what: str) -> str:
    if rev in (None, "", BASE):
        return BASE
    with running(spec):
        try:
            found = script.get_revision(rev)
        except Exception as exc:  # re-raised with context: alembic's RevisionError/KeyError flavours
            raise RunnerError("revision", f"{what}: unknown revision {rev!r}: {_one_line(exc)}",
                              "give a revision id that exists in this project's migrations") from None
    return BASE if found is None else found.revision


def graph(project: dict[str, Any], previous: str | None = None, previous_what: str = "--from") -> dict[str, Any]:
    """Every revision (id, down revisions, file, message), the head, and the range after ``previous``.

    The range is what ``alembic upgrade PREVIOUS:head --sql`` runs, in the order it runs them: the
    descendants of ``previous`` and every other branch a merge brings in (Alembic's ``implicit_base``).
    """
    spec = project
    script = script_directory(spec)
    revisions = {}
    for sc in script.walk_revisions():
        doc = (sc.doc or "").strip()
        revisions[sc.revision] = {"id": sc.revision, "down": _downs(sc), "path": str(Path(sc.path).resolve()),
                                  "file": rel(spec, Path(sc.path).resolve()),
                                  "message": doc.splitlines()[0] if doc else ""}
    if not revisions:
        raise RunnerError("graph", f"{rel(spec, spec['script_location'])}: no revisions found",
                          "create one with `alembic revision -m MESSAGE`")
    heads = sorted(script.get_heads())
    if len(heads) > 1:
        names = ", ".join(f"{h} ({revisions[h]['file']})" for h in heads)
        raise RunnerError("heads", f"the migrations have {len(heads)} heads: {names}",
                          "merge them with `alembic merge -m 'merge heads' " + " ".join(heads) + "`")
    head = heads[0]
    prev = resolve(spec, script, previous, previous_what)
    with running(spec):
        try:
            in_range = [sc.revision for sc in script.iterate_revisions(head, prev, implicit_base=True)]
        except Exception as exc:  # re-raised with context: alembic's RevisionError/KeyError flavours
            raise RunnerError("range", f"revision {prev} is not an ancestor of the head {head}: {_one_line(exc)}",
                              "the previous release's head must be in this branch's history; pass --from REV to "
                              "choose another starting point") from None
        history = ([] if prev == BASE else
                   [sc.revision for sc in script.iterate_revisions(prev, BASE, implicit_base=True)])
    return {"revisions": revisions, "head": head, "previous": prev, "range": list(reversed(in_range)),
            "history": list(reversed(history))}
