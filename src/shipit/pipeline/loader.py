"""Reading workflow files: YAML with line numbers (ruamel.yaml round-trip) and JSON Schema validation
with the schemas check-jsonschema vendors (SchemaStore's github-workflows and gitlab-ci)."""

from __future__ import annotations

import functools
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
    validator = _validator(platform)
    findings = []
    seen = set()
    for error in sorted(validator.iter_errors(plain(data)), key=lambda e: [str(p) for p in e.absolute_path]):
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
