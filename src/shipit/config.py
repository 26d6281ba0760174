"""``shipit.yaml``: the typed model, loading with ``file:line:column`` errors, and JSON Schema export.

Each capability owns the model of its own section (``shipit/<capability>/config.py``); this module
assembles them into :class:`Config`. Every model forbids unknown keys so typos are caught early.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from shipit.configmodel import Model
from shipit.errors import ConfigError
from shipit.images.config import ImageConfig
from shipit.migrations.config import MigrationsConfig
from shipit.ops.config import ServiceConfig
from shipit.pipelines.config import EnvironmentConfig, PipelineConfig
from shipit.sbom.config import SbomConfig
from shipit.signing.config import SigningConfig
from shipit.site.config import EvidenceConfig, SiteConfig

DEFAULT_CONFIG = "shipit.yaml"


class ProjectConfig(Model):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="Project name (lowercase, digits, . _ -).")
    description: str = ""
    source_url: str = Field("", description="Where the source lives; written into image annotations and provenance.")
    owners: list[str] = Field(default_factory=list, description="Team or people who own the service.")


class Config(Model):
    """The whole ``shipit.yaml``."""

    model_config = ConfigDict(extra="forbid", title="shipit.yaml", validate_assignment=True)

    schema_version: int = Field(1, ge=1, le=1, description="Version of this file's format.")
    project: ProjectConfig
    sbom: SbomConfig = Field(default_factory=SbomConfig, description="SBOMs of images and source dependencies.")
    images: list[ImageConfig] = Field(default_factory=list, description="Container images to build.")
    site: SiteConfig | None = Field(None, description="The offline handoff site (site/ + handoff-site-<version>.tar.gz).")
    evidence: EvidenceConfig | None = Field(None, description="Validation evidence and gates shown on the site.")
    service: ServiceConfig | None = Field(None, description="What operations needs: SLOs, alerts, runbooks (ops stage).")
    pipeline: PipelineConfig | None = Field(None, description="CI/CD pipeline validation policy.")
    environments: dict[str, EnvironmentConfig] | None = Field(
        None, description="Deployment environments: variables, secrets (names only), feature flags.")
    signing: SigningConfig | None = Field(None, description="Signatures, SLSA provenance and SBOM attestations.")
    migrations: MigrationsConfig | None = Field(None, description="Alembic migrations: SQL, round trip, rollback.")

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


def json_schema() -> dict[str, Any]:
    schema = Config.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"


# --- loading -------------------------------------------------------------------------------------


def _position(data: Any, loc: tuple) -> tuple[int | None, int | None, str]:
    """Line/column (1-based) of the deepest node of ``loc`` that exists in the YAML tree."""
    node, line, col = data, None, None
    path_parts: list[str] = []
    for key in loc:
        if isinstance(node, CommentedMap) and isinstance(key, str) and key in node:
            line, col = node.lc.key(key)
            node = node[key]
            path_parts.append(key)
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line, col = node.lc.item(key)
            node = node[key]
            path_parts.append(f"[{key}]")
        else:
            continue  # pydantic adds union/validator tags that are not YAML keys
    path = ".".join(path_parts).replace(".[", "[")
    return (None if line is None else line + 1), (None if col is None else col + 1), path


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
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _format_errors(path: Path, data: Any, exc: ValidationError) -> ConfigError:
    lines, hints = [], []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line, col, dotted = _position(data, loc)
        where = f"{path}:{line}:{col}" if line else f"{path}"
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed_keys(Config, loc)
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
    hint = hints[0] if hints else "run `shipit schema` for the full list of keys and types"
    return ConfigError("invalid configuration\n  " + "\n  ".join(lines), hint=hint)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and validate ``shipit.yaml``; raise :class:`ConfigError` with file:line:column on any problem."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such config file", hint="run `shipit init` to write a starter shipit.yaml")
    raw = path.read_bytes()
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(raw)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(
            f"{where}: YAML syntax error: {exc.problem or exc.context}",
            hint="check indentation and quoting near that line",
        ) from exc
    except Exception as exc:  # ruamel raises a few non-marked errors (e.g. duplicate keys)
        raise ConfigError(f"{path}: cannot parse YAML: {exc}", hint="check the file's syntax") from exc
    if data is None:
        raise ConfigError(f"{path}:1:1: the file is empty", hint="run `shipit init` for a starter file")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1:1: expected a mapping at the top level, got {type(data).__name__}",
                          hint="shipit.yaml is a mapping of sections (project:, images:, ...)")
    try:
        cfg = Config.model_validate(_plain(data))
    except ValidationError as exc:
        raise _format_errors(path, data, exc) from None
    cfg._path = path.resolve()
    cfg._digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    return cfg


def _plain(node: Any) -> Any:
    """ruamel's round-trip types → plain dicts/lists (pydantic validates those strictly)."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int)) else k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node
