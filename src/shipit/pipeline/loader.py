"""Reading workflow files: YAML with line numbers (ruamel.yaml round-trip) and JSON Schema validation
with the schemas check-jsonschema vendors (SchemaStore's github-workflows and gitlab-ci).

A workflow is first checked by the schema compiled once per process (:class:`shipit.core.schemas.Schema`,
with check-jsonschema's meaning of ``pattern`` and ``format``); only a workflow it rejects is run
through check-jsonschema's own validator, whose errors become the findings, exactly as before. A valid
workflow never loads check-jsonschema (0.6 s of imports) nor walks the schema in Python.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shipit.core import yamlpos
from shipit.core.yamlpos import plain
from shipit.pipeline.model import Finding

SCHEMAS = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}


def platform_of(rel: str, data: Any = None) -> str:
    """github for files under .github/workflows (or that look like one), gitlab otherwise."""
    if "/.github/workflows/" in f"/{rel}":
        return "github"
    if Path(rel).name.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")) or "gitlab" in Path(rel).name:
        return "gitlab"
    if isinstance(data, dict) and "jobs" in data and ("on" in data or True in data):
        return "github"
    return "gitlab"


def load_yaml(path: Path, rel: str) -> tuple[Any, Finding | None]:
    """The round-trip tree, or a ``yaml-syntax`` finding with the line of the problem.

    Unknown tags (GitLab's ``!reference [job, key]``) load as tagged sequences, which is also what
    check-jsonschema's gitlab-ci transform validates them as (a list of strings).
    """
    try:
        return yamlpos.load_yaml(path.read_bytes(), rel), None
    except yamlpos.YamlSyntaxError as exc:
        if exc.line:
            return None, Finding("yaml-syntax", "error", rel, exc.line, f"YAML syntax error: {exc.problem}",
                                 "check indentation and quoting near that line", column=exc.column)
        return None, Finding("yaml-syntax", "error", rel, 1, f"cannot parse YAML: {exc.problem.splitlines()[0]}",
                             "check the file's syntax")


@functools.cache
def _validator(platform: str):
    # check-jsonschema's own loader: same vendored schema, dialect, format checker and regex engine
    # as `check-jsonschema --builtin-schema vendor.<name>`.
    from check_jsonschema.formats import FormatOptions
    from check_jsonschema.regex_variants import RegexImplementation, RegexVariantName
    from check_jsonschema.schema_loader import BuiltinSchemaLoader

    regex = RegexImplementation(RegexVariantName.default)
    return BuiltinSchemaLoader(SCHEMAS[platform]).get_validator(
        "", {}, FormatOptions(regex_impl=regex), regex, False)


def _vendored(name: str) -> Path:
    """A schema file check-jsonschema vendors, found without importing the package (its CLI loads)."""
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("check_jsonschema")
    return Path(next(iter(spec.submodule_search_locations))) / name


def _check_jsonschema_format(module: str) -> Callable[[str], bool]:
    """check-jsonschema's own implementation of a format (a module of plain functions), loaded from its
    file so the package and its CLI are not imported."""
    path = _vendored(f"formats/implementations/{module}.py")
    spec = importlib.util.spec_from_file_location(f"_shipit_cjs_{module}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.validate


def _regex_format(value: str) -> bool:
    from shipit.core.schemas import ecma_search

    try:
        ecma_search(value)
    except Exception:  # noqa: BLE001  (regress.RegressError: not an ECMA-262 regular expression)
        return False
    return True


@functools.cache
def _compiled(platform: str):
    from shipit.core.schemas import FORMATS, Schema, ecma_search

    # check-jsonschema's format checker: jsonschema's, with its own date-time and time, and regex by regress
    formats = {**FORMATS, "date-time": _check_jsonschema_format("rfc3339"),
               "time": _check_jsonschema_format("iso8601_time"), "regex": _regex_format}
    name = SCHEMAS[platform].removeprefix("vendor.")
    schema = json.loads(_vendored(f"builtin_schemas/vendor/{name}.json").read_bytes())
    return Schema(schema, formats=formats, search=ecma_search, reference=lambda: _validator(platform),
                  name=f"check-jsonschema's {name}")


def _deepest(error):
    """For oneOf/anyOf, the branch error that got furthest into the document says what is wrong
    (e.g. a bad ``timeout-minutes`` rather than "not a reusable-workflow call")."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "required",
                                                  e.validator not in ("oneOf", "anyOf")))
    return error


def _message(error) -> str:
    error = _deepest(error)
    msg = error.message
    return msg if len(msg) <= 300 else msg[:297] + "..."


def schema_findings(platform: str, data: Any, rel: str) -> list[Finding]:
    """One ``schema`` finding per JSON Schema violation, at the line of the offending key."""
    findings = []
    seen = set()
    errors = _compiled(platform).iter_errors(plain(data))
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
        path = list(_deepest(error).absolute_path)
        pos = yamlpos.position(data, path)
        line, col = pos.line or 1, pos.column or 1
        where = ".".join(str(p) for p in path) or "(top level)"
        msg = f"{where}: {_message(error)}"
        if (line, msg) in seen:
            continue
        seen.add((line, msg))
        findings.append(Finding("schema", "error", rel, line,
                                f"does not match the {'GitHub Actions workflow' if platform == 'github' else 'GitLab CI'}"
                                f" schema: {msg}",
                                "see the platform's workflow syntax reference", column=col))
    return findings
