"""The whole ``shipit.yaml``: ``schema_version`` and ``project`` (core), plus every capability's sections.

Loading, ``file:line:column`` errors and the JSON Schema export are :mod:`shipit.core.config`'s; this
module only assembles the model from the capabilities (:mod:`shipit.capabilities`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import create_model

from shipit import capabilities
from shipit.core import config as core

DEFAULT_CONFIG = core.DEFAULT_CONFIG

#: The model of the whole file (each capability's section is an attribute, e.g. ``config.images``).
Config: type[core.RootConfig] = create_model(
    "Config", __base__=core.RootConfig, __doc__="The whole ``shipit.yaml``.", **capabilities.sections())


def load_config(path: str | Path = DEFAULT_CONFIG) -> Any:
    """Read and validate ``shipit.yaml``; :class:`ConfigError` with file:line:column on any problem, including
    facts two places state differently (the capabilities' ``RESOLVE``)."""
    cfg = core.load_config(path, Config)
    for resolve in capabilities.resolvers():
        resolve(cfg)
    return cfg


def json_schema() -> dict[str, Any]:
    return core.json_schema(Config)


def json_schema_text() -> str:
    return core.json_schema_text(Config)
