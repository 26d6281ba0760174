"""Hostile shipit.yaml files, generated from the JSON Schema `shipit schema` prints (hypothesis): every key
given a value of the wrong type, unknown keys in every section, hostile strings (Rich markup, ANSI
escapes, NUL, values over 64 KiB, ../ and absolute paths) in every string, a symlink out of the project.
The property: exit 2 with `shipit.yaml:LINE:COLUMN: key.path: problem`, never a traceback; hostile text
is shown as text, never interpreted."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipit.cli import main
from shipit.config import json_schema
from tests.conftest import shipit_env

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
ALL_STAGES = "images,sbom,migrations,pipeline,ops,site,manifest,checksums,sign,publish"
POSITION = re.compile(r"shipit\.yaml:\d+:\d+: ")
BASE_DOC = {"schema_version": 1, "project": {"name": "demo"}}

# --- the schema's key paths -------------------------------------------------------------------------------

SCHEMA = json_schema()


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def key_paths() -> list[tuple[str, tuple, dict]]:
    """(kind, path, schema) of every key of the schema: kind is object (a section or item with known keys),
    map (free keys), array, or a scalar type; list items are index 0, map entries key 'somekey'."""
    out: list[tuple[str, tuple, dict]] = []

    def walk(node: dict, path: tuple, depth: int) -> None:
        if depth > 8:
            return
        node = _resolve(node)
        for branch in [_resolve(b) for b in node.get("anyOf", [node])]:
            kind = branch.get("type")
            if kind == "object" and "properties" in branch:
                out.append(("object", path, branch))
                for key, sub in branch["properties"].items():
                    walk(sub, (*path, key), depth + 1)
            elif kind == "object":
                out.append(("map", path, branch))
                if isinstance(branch.get("additionalProperties"), dict):
                    walk(branch["additionalProperties"], (*path, "somekey"), depth + 1)
            elif kind == "array":
                out.append(("array", path, branch))
                if isinstance(branch.get("items"), dict):
                    walk(branch["items"], (*path, 0), depth + 1)
            elif kind in ("string", "integer", "number", "boolean"):
                out.append((kind, path, branch))

    walk(SCHEMA, (), 0)
    return [p for p in out if p[1]]


PATHS = key_paths()
#: A value of another shape than the key's, which no lax conversion turns into the right one.
WRONG = {"object": [7], "map": [7], "array": {"k": 1}, "string": [1], "integer": {"k": 1}, "number": {"k": 1},
         "boolean": [True]}
STRING_PATHS = [p for p in PATHS if p[0] == "string"]
PROJECT_PATHS = [p for p in STRING_PATHS if p[2].get("x-shipit-path") == "project"]
OBJECT_PATHS = [p for p in PATHS if p[0] == "object"]


def dotted(path: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def document(path: tuple, value: Any) -> dict:
    doc: Any = json.loads(json.dumps(BASE_DOC))
    node = doc
    for key, nxt in zip(path, [*path[1:], None]):
        child: Any = value if nxt is None else ([] if isinstance(nxt, int) else {})
        if isinstance(key, int):
            while len(node) <= key:
                node.append(child if len(node) == key else {})
            if nxt is not None and not isinstance(node[key], (dict, list)):
                node[key] = child
        elif nxt is None or not isinstance(node.get(key), (dict, list)):
            node[key] = child
        node = node[key]
    return doc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def run(workdir: Path, text: str | bytes):
    """The real CLI in-process: load the file and cut a release of nothing (every stage skipped)."""
    cfg = workdir / "shipit.yaml"
    cfg.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    result = CliRunner().invoke(main, ["release", "--version", "1.0.0", "-c", str(cfg), "-o", str(workdir / "out"),
                                       "--force", "--skip", ALL_STAGES])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output + result.stderr
    return result


def rejected(result, path: tuple | None = None) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr[-2000:])
    lines = [line for line in result.stderr.splitlines() if POSITION.search(line)]
    assert lines, result.stderr[-2000:]
    if path is not None:
        assert any(dotted(path) in line or dotted(path[:-1]) in line for line in lines), (dotted(path), lines)
    return result.stderr


def test_the_schema_has_every_kind_of_key():
    kinds = {p[0] for p in PATHS}
    assert {"object", "map", "array", "string", "integer", "number", "boolean"} <= kinds
    assert len(PATHS) > 150 and len(PROJECT_PATHS) >= 10


@SETTINGS
@given(st.sampled_from(PATHS))
def test_every_key_with_a_value_of_the_wrong_type(workdir, key):
    kind, path, _schema = key
    rejected(run(workdir, json.dumps(document(path, WRONG[kind]), indent=2)), path)


@SETTINGS
@given(st.sampled_from(OBJECT_PATHS), st.from_regex(r"[a-z][a-z0-9_]{2,12}", fullmatch=True))
def test_unknown_keys(workdir, key, name):
    _kind, path, schema = key
    if name in schema.get("properties", {}):
        name += "_unknown"
    doc = document(path, {name: 1})
    stderr = rejected(run(workdir, json.dumps(doc, indent=2)))
    assert f"unknown key '{name}'" in stderr


CONTROL = ["\x1b[31mred\x1b[0m", "a\x00b", "bell\x07", "\x9b2J"]
#: Rich markup, and the word it would leave if it were rendered instead of shown.
MARKUP = {"[/x]": "", "[bold red]boom[/]": "boom", "[link=http://evil.example]click[/link]": "click",
          "\\[escaped]": "escaped"}


@SETTINGS
@given(st.sampled_from(STRING_PATHS), st.sampled_from(CONTROL))
def test_control_characters_in_any_string(workdir, key, text):
    _kind, path, _schema = key
    stderr = rejected(run(workdir, json.dumps(document(path, text), indent=2)), path)
    assert "control character" in stderr and "\x1b" not in stderr and "\x00" not in stderr


@SETTINGS
@given(st.sampled_from(STRING_PATHS), st.sampled_from(sorted(MARKUP)))
def test_markup_in_any_string_is_text(workdir, key, text):
    _kind, path, _schema = key
    result = run(workdir, json.dumps(document(path, text), indent=2))
    assert result.exit_code in (0, 2), result.stderr  # valid text, or an error about it: never a crash
    if MARKUP[text] and MARKUP[text] in result.stderr:
        assert text in result.stderr or repr(text) in result.stderr  # shown as typed, not rendered


@SETTINGS
@given(st.sampled_from(PROJECT_PATHS), st.sampled_from(["../../etc/passwd", "/etc/shadow", "a/../../outside",
                                                          "~/.ssh/id_rsa"]))
def test_paths_out_of_the_project(workdir, key, value):
    _kind, path, _schema = key
    stderr = rejected(run(workdir, json.dumps(document(path, value), indent=2)), path)
    assert "project directory" in stderr


def test_a_value_over_64_kib(workdir):
    big = "x" * (10 * 1024 * 1024)
    stderr = rejected(run(workdir, json.dumps(document(("project", "description"), big), indent=2)),
                      ("project", "description"))
    assert "10485760 characters; at most 65536" in stderr and len(stderr) < 5000


def test_a_symlink_out_of_the_project(workdir, tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "handoff").symlink_to("/etc")
    doc = document(("site", "oncall"), "handoff/passwd")
    stderr = rejected(run(proj, json.dumps(doc, indent=2)), ("site", "oncall"))
    assert "through a symlink to /etc/passwd" in stderr


def test_raw_nul_byte_and_alias_bomb(workdir):
    stderr = rejected(run(workdir, b"schema_version: 1\nproject:\n  name: a\x00b\n"))
    assert "shipit.yaml:3:10: YAML syntax error: character #x0000" in stderr
    lines = ["schema_version: 1", "project: {name: a}", "x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9]"]
    lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    result = run(workdir, "\n".join(lines) + "\n")
    assert result.exit_code == 2 and "more than 1000000 values once aliases are expanded" in result.stderr


@pytest.mark.parametrize(("value", "shown"), [
    ('"[/x]"', "'[/x]'"),
    ('"\\e[31mred"', "control character 0x1b"),
])
def test_the_real_cli_prints_hostile_text_as_text(tmp_path, value, shown):
    (tmp_path / "shipit.yaml").write_text(f"schema_version: 1\nproject:\n  name: {value}\n")
    proc = subprocess.run([sys.executable, "-m", "shipit", "check"], cwd=tmp_path, env=shipit_env(),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "shipit.yaml:3:" in proc.stderr and shown in proc.stderr
    assert "\x1b" not in proc.stderr  # not a terminal: no colour codes, and the user's ESC never passes
