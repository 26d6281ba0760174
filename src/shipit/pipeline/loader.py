"""Reading workflow files: YAML with line numbers (ruamel.yaml round-trip) and JSON Schema validation
with the schemas check-jsonschema vendors (SchemaStore's github-workflows and gitlab-ci).

A workflow is first checked by the schema compiled once per process (:class:`shipit.core.schemas.Schema`,
with check-jsonschema's meaning of ``pattern`` and ``format``); only a workflow it rejects is run
through check-jsonschema's own validator, whose errors become the findings, exactly as before. A valid
workflow never loads check-jsonschema (0.6 s of imports) nor walks the schema in Python.

The vendored schemas are stricter than the platforms in a few documented places. Those violations are
reported as ``schema-deviation`` warnings that name the platform's own documentation, never as errors:
a file GitHub or GitLab runs is not broken.
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
UNRESOLVED = "\x00shipit-unresolved-reference\x00"

GITLAB_ANCHORS = "https://docs.gitlab.com/ci/yaml/yaml_optimization/#anchors"
GITLAB_COMPONENTS = "https://docs.gitlab.com/ci/components/#use-a-component"
GITLAB_ENV_URL = "https://docs.gitlab.com/ci/yaml/#environmenturl"
GITLAB_VARIABLES = "https://docs.gitlab.com/ci/variables/where_variables_can_be_used/"
GITHUB_FILTERS = ("https://docs.github.com/actions/reference/workflows-and-actions/workflow-syntax"
                  "#onpushpull_requestpull_request_targetpathspaths-ignore")
GITHUB_EXPRESSIONS = "https://docs.github.com/actions/reference/workflows-and-actions/expressions"


def platform_of(rel: str, data: Any = None) -> str:
    """github for files under .github/workflows (or that look like one), gitlab otherwise."""
    if "/.github/workflows/" in f"/{rel}":
        return "github"
    if Path(rel).name.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml")) or "gitlab" in Path(rel).name:
        return "gitlab"
    if isinstance(data, dict) and "jobs" in data and ("on" in data or True in data):
        return "github"
    return "gitlab"


def load_yaml(path: Path, rel: str) -> tuple[Any, list[Finding], int]:
    """(the pipeline's round-trip tree, findings about the YAML itself, lines of a GitLab ``spec:`` header).

    GitLab accepts a ``spec: inputs:`` header document before the pipeline (https://docs.gitlab.com/ci/inputs/)
    and several ``<<`` merge keys in one mapping; both are read as GitLab reads them. Unknown tags (GitLab's
    ``!reference [job, key]``) load as tagged sequences.
    """
    try:
        docs = yamlpos.load_documents(path.read_bytes(), rel)
    except yamlpos.YamlSyntaxError as exc:
        if exc.line:
            return None, [Finding("yaml-syntax", "error", rel, exc.line, f"YAML syntax error: {exc.problem}",
                                  "check indentation and quoting near that line", column=exc.column)], 0
        return None, [Finding("yaml-syntax", "error", rel, 1, f"cannot parse YAML: {exc.problem.splitlines()[0]}",
                              "check the file's syntax")], 0
    findings = []
    if docs.duplicate_merges:
        lines = docs.duplicate_merges
        shown = ", ".join(str(n) for n in lines[:12]) + (", ..." if len(lines) > 12 else "")
        findings.append(Finding(
            "schema-deviation", "warning", rel, lines[0],
            f"{len(lines)} mapping(s) with several `<<` merge keys (line{'s' if len(lines) > 1 else ''} {shown}): "
            "GitLab's YAML parser (Ruby's) merges them all, a later one winning, but YAML 1.1 allows one per "
            "mapping and other tools (yamllint, check-jsonschema, PyYAML) reject the file",
            f"write one `<<: [*later, *earlier]` per mapping to keep GitLab's result and satisfy other tools "
            f"(GitLab: {GITLAB_ANCHORS})"))
    documents = [d for d in docs.documents if d is not None] or [None]
    header = 0
    if len(docs.documents) == 2 and isinstance(docs.documents[0], dict) and set(docs.documents[0]) == {"spec"}:
        data = docs.documents[1]
        header = yamlpos.line_of(docs.documents[0], "spec")
    elif len(documents) > 1:
        second = docs.documents[1]
        line = (second.lc.line + 1) if hasattr(second, "lc") else 1
        return None, findings + [Finding(
            "yaml-syntax", "error", rel, line, "YAML syntax error: a second YAML document (`---`); only a GitLab "
            "`spec:` header may come before the pipeline", "keep one document per workflow file")], 0
    else:
        data = documents[0]
    return data, findings, header


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


def _accepted(platform: str, error, path: list) -> str | None:
    """The platform's documentation page when it accepts what the vendored schema rejects, else None."""
    deep = _deepest(error)
    instance = deep.instance
    text = instance if isinstance(instance, str) else ""
    keys = [str(p) for p in path]
    if platform == "gitlab" and deep.validator == "format" and "$" in text:
        if keys and keys[-1] == "component":
            return f"GitLab expands CI/CD variables such as $CI_SERVER_FQDN in component paths ({GITLAB_COMPONENTS})"
        if "url" in keys:
            return f"GitLab expands CI/CD variables in environment:url ({GITLAB_ENV_URL})"
        return f"GitLab expands CI/CD variables here ({GITLAB_VARIABLES})"
    if platform == "github":
        if len(keys) >= 3 and keys[0] == "on" and keys[2] in ("branches", "branches-ignore", "tags", "tags-ignore",
                                                             "paths", "paths-ignore") and isinstance(instance, str):
            return ("GitHub runs workflows whose filter is a single string; its workflow syntax shows a list "
                    f"({GITHUB_FILTERS})")
        if "${{" in text:
            return f"GitHub evaluates the expression when the workflow runs ({GITHUB_EXPRESSIONS})"
    return None


def schema_findings(platform: str, data: Any, rel: str, checked: Any = None) -> list[Finding]:
    """One ``schema`` finding per JSON Schema violation, at the line of the offending key; violations the
    platform accepts are ``schema-deviation`` warnings. ``checked`` is the tree to validate when it differs
    from ``data`` (GitLab: with ``!reference`` tags resolved, as GitLab validates it)."""
    findings = []
    seen = set()
    checked = data if checked is None else checked
    name = "GitHub Actions workflow" if platform == "github" else "GitLab CI"
    for error in sorted(_compiled(platform).iter_errors(plain(checked)), key=lambda e: [str(p) for p in e.absolute_path]):
        deep = _deepest(error)
        if UNRESOLVED in json.dumps(deep.instance, default=str) or UNRESOLVED in json.dumps(error.instance,
                                                                                          default=str):
            continue  # the value comes from an include shipit cannot read: GitLab validates the real one
        path = list(deep.absolute_path)
        pos = yamlpos.position(data, path)
        line, col = pos.line or 1, pos.column or 1
        where = ".".join(str(p) for p in path) or "(top level)"
        msg = f"{where}: {_message(error)}"
        if (line, msg) in seen:
            continue
        seen.add((line, msg))
        accepted = _accepted(platform, error, path)
        if accepted:
            findings.append(Finding("schema-deviation", "warning", rel, line,
                                    f"does not match the vendored {name} schema, but the platform accepts it: {msg}",
                                    f"{accepted}; tools that use the schema (check-jsonschema, editors) will "
                                    "still complain", column=col))
        else:
            findings.append(Finding("schema", "error", rel, line, f"does not match the {name} schema: {msg}",
                                    "see the platform's workflow syntax reference", column=col))
    return findings


def unresolved_marker(value: Any) -> Any:
    """Replace unresolvable ``!reference`` results (see gitlab.Unresolved) by a marker string."""
    from shipit.pipeline.gitlab import Unresolved

    if isinstance(value, Unresolved):
        return UNRESOLVED
    if isinstance(value, dict):
        return {k: unresolved_marker(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unresolved_marker(v) for v in value]
    return value

