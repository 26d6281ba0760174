"""The base of every ``shipit.yaml`` section model. It lives apart from :mod:`shipit.config` because
``shipit.config`` imports each capability's section model, and those need this base."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """Unknown keys are errors (typos are caught with a "did you mean"); values are validated on assignment."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
