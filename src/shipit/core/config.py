"""``shipit.yaml`` in general: the base of every section model, the ``project:`` section, and loading a
file into a model with ``file:line:column`` errors and a "did you mean" for typos.

The whole file's model is assembled from every capability's sections by :mod:`shipit.config`; this
module knows no capability.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import typing
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
)

from shipit.core.errors import ConfigError
from shipit.core.yamlpos import YamlSyntaxError, load_yaml, plain, position

DEFAULT_CONFIG = "shipit.yaml"


#: No value of shipit.yaml is longer than this (a runaway paste or a hostile file is an error, not a load).
MAX_STRING = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _project_path(value: str, info: ValidationInfo) -> str:
    """A path inside the project: relative, no ``..`` out of it, and (when the project directory is known,
    i.e. while loading shipit.yaml) not a symlink that leads out of it."""
    if not value:
        return value
    pure = PurePosixPath(value)
    if pure.is_absolute() or value.startswith("~"):
        raise ValueError("must be a path relative to the project directory (the directory of shipit.yaml)")
    depth = 0
    for part in pure.parts:
        depth += -1 if part == ".." else (0 if part == "." else 1)
        if depth < 0:
            raise ValueError(f"{value!r} leads out of the project directory (..)")
    project_dir = (info.context or {}).get("project_dir")
    if project_dir is not None:
        root = Path(project_dir).resolve()
        literal: list[str] = []  # of a glob, the part before the first wildcard
        for part in pure.parts:
            if any(c in part for c in "*?["):
                break
            literal.append(part)
        try:
            target = root.joinpath(*literal).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop
            raise ValueError(f"{value!r} cannot be resolved ({exc})") from None
        if not target.is_relative_to(root):
            raise ValueError(f"{value!r} leads out of the project directory (through a symlink to {target})")
    return value


#: A file or directory of the project (relative to shipit.yaml); globs allowed where the field says so.
#: The JSON Schema marks it ``"x-shipit-path": "project"``.
ProjectPath = Annotated[str, AfterValidator(_project_path), Field(json_schema_extra={"x-shipit-path": "project"})]


class Model(BaseModel):
    """Unknown keys are errors (typos are caught with a "did you mean"); values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ProjectConfig(Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="Project name (lowercase, digits, . _ -).")
    description: str = ""
    source_url: str = Field("", description="Where the source lives; written into image annotations and provenance.")
    owners: list[str] = Field(default_factory=list, description="Team or people who own the service.")


class RootConfig(Model):
    """The keys every ``shipit.yaml`` has; :mod:`shipit.config` adds each capability's sections."""

    model_config = ConfigDict(extra="forbid", title="shipit.yaml", validate_assignment=True)

    schema_version: int = Field(1, ge=1, le=1, description="Version of this file's format.")
    project: ProjectConfig

    # Set by load_config, not by the user.
    _path: Path | None = None
    _digest: str = ""

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def project_dir(self) -> Path:
        return self._path.parent if self._path else Path.cwd()

    @property
    def digest(self) -> str:
        """sha256 of the config file's bytes (recorded in the manifest and provenance)."""
        return self._digest


def json_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text(model: type[BaseModel]) -> str:
    return json.dumps(json_schema(model), indent=2, sort_keys=True) + "\n"


# --- loading -------------------------------------------------------------------------------------


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """Field names of the model that owns the (extra) key at ``loc``."""
    current: Any = model
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or key not in fields:
            return []
        current = _model_of(fields[key].annotation)
        if current is None:
            return []
    return list(getattr(current, "model_fields", {}).keys())


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def shorten(text: str, limit: int = 80) -> str:
    """At most ``limit`` characters of ``text`` (a 10 MB value is not echoed back whole)."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def validation_error(path: Path, data: Any, exc: ValidationError, model: type[BaseModel],
                     what: str = "configuration", hint: str | None = None) -> ConfigError:
    """One ``file:line:column: key.path: problem`` line per error of ``exc``."""
    lines, hints = [], []
    for err in exc.errors():
        loc = tuple(err["loc"])
        pos = position(data, loc)
        dotted = pos.path
        where = f"{path}:{pos.line}:{pos.column}" if pos.line else f"{path}"
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(model, loc)
            close = difflib.get_close_matches(key, allowed, n=1)
            msg = f"unknown key {shorten(repr(key))}" + (f" (did you mean '{close[0]}'?)" if close else "")
            if allowed:
                hints.append(f"allowed keys at '{dotted.rsplit('.', 1)[0] if '.' in dotted else '(top level)'}': "
                             + ", ".join(sorted(allowed)))
        elif err["type"] == "missing":
            msg = f"missing required key '{loc[-1]}'"
            dotted = ".".join(str(p) for p in loc if isinstance(p, (str, int)))
        else:
            got = err.get("input")
            msg = f"{err['msg']}" + (f" (got {shorten(repr(got))})" if not isinstance(got, (dict, list)) else "")
        lines.append((pos.line or 0, f"{where}: {shorten(dotted, 120) or '(top level)'}: {msg}"))
    hint = hints[0] if hints else (hint or "run `shipit schema` for the full list of keys and types")
    ordered = [text for _line, text in sorted(lines, key=lambda item: item[0])]
    return ConfigError(f"invalid {what}\n  " + "\n  ".join(ordered), hint=hint)


def _string_problems(node: Any, loc: tuple = ()) -> typing.Iterator[tuple[tuple, str]]:
    """(location, problem) of every key or string value that is too long or holds control characters."""
    def problem(text: str) -> str | None:
        if len(text) > MAX_STRING:
            return f"{len(text)} characters; at most {MAX_STRING} are allowed"
        bad = _CONTROL.search(text)
        if bad:
            return (f"contains the control character {ord(bad.group()):#04x} (ANSI escapes, NUL and other control "
                    "characters are not allowed)")
        return None

    if isinstance(node, dict):
        for key, value in node.items():
            why = problem(key)
            if why:
                yield (*loc, key), f"key {shorten(repr(key))}: {why}"
            yield from _string_problems(value, (*loc, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _string_problems(value, (*loc, i))
    elif isinstance(node, str):
        why = problem(node)
        if why:
            yield loc, why


def string_error(path: Path, data: Any, problems: list[tuple[tuple, str]], what: str = "configuration") -> ConfigError:
    lines = []
    for loc, why in problems[:10]:
        pos = position(data, loc)
        where = f"{path}:{pos.line}:{pos.column}" if pos.line else f"{path}"
        lines.append(f"{where}: {shorten(pos.path, 120) or '(top level)'}: {why}")
    more = f"\n  … and {len(problems) - 10} more" if len(problems) > 10 else ""
    return ConfigError(f"invalid {what}\n  " + "\n  ".join(lines) + more,
                       hint="values are plain text: no control characters, at most 64 KiB each")


def read_yaml_file(path: Path, what: str = "config") -> tuple[bytes, Any]:
    """(raw bytes, round-trip tree) of a YAML file; a :class:`ConfigError` names the file and line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what} file") from None
    try:
        return raw, load_yaml(raw, str(path))
    except YamlSyntaxError as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None


def load_config(path: str | Path, model: type[RootConfig]) -> RootConfig:
    """Read and validate a ``shipit.yaml`` into ``model``; :class:`ConfigError` with file:line:column."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file", hint="run `shipit init` to write a starter shipit.yaml")
    raw, data = read_yaml_file(path)
    if data is None:
        raise ConfigError(f"{path}:1:1: the file is empty", hint="run `shipit init` for a starter file")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: expected a mapping at the top level, got {type(data).__name__}",
                          hint="shipit.yaml is a mapping of sections (project:, images:, ...)")
    try:
        tree = plain(data, str(path))
    except YamlSyntaxError as exc:
        raise ConfigError(exc.message, hint=exc.hint) from None
    problems = list(_string_problems(tree))
    if problems:
        raise string_error(path, data, problems)
    try:
        cfg = model.model_validate(tree, context={"project_dir": path.resolve().parent})
    except ValidationError as exc:
        raise validation_error(path, data, exc, model) from None
    cfg._path = path.resolve()
    cfg._digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    return cfg
