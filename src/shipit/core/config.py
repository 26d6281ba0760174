"""``shipit.yaml`` in general: the base of every section model, the ``project:`` section, and loading a
file into a model with ``file:line:column`` errors and a "did you mean" for typos.

The whole file's model is assembled from every capability's sections by :mod:`shipit.config`; this
module knows no capability.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shipit.core.errors import ConfigError
from shipit.core.yamlpos import YamlSyntaxError, load_yaml, plain, position

DEFAULT_CONFIG = "shipit.yaml"


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
            msg = f"unknown key '{key}'" + (f" (did you mean '{close[0]}'?)" if close else "")
            if allowed:
                hints.append(f"allowed keys at '{dotted.rsplit('.', 1)[0] if '.' in dotted else '(top level)'}': "
                             + ", ".join(sorted(allowed)))
        elif err["type"] == "missing":
            msg = f"missing required key '{loc[-1]}'"
            dotted = ".".join(str(p) for p in loc if isinstance(p, (str, int)))
        else:
            got = err.get("input")
            msg = f"{err['msg']}" + (f" (got {got!r})" if not isinstance(got, (dict, list)) else "")
        lines.append(f"{where}: {dotted or '(top level)'}: {msg}")
    hint = hints[0] if hints else (hint or "run `shipit schema` for the full list of keys and types")
    return ConfigError(f"invalid {what}\n  " + "\n  ".join(lines), hint=hint)


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
        cfg = model.model_validate(plain(data))
    except ValidationError as exc:
        raise validation_error(path, data, exc, model) from None
    cfg._path = path.resolve()
    cfg._digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    return cfg
