"""The ``migrations:`` section of ``shipit.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from shipit.core.config import Model, ProjectPath

Dialect = Literal["postgresql", "sqlite", "mysql"]


#: A server to verify migrations on, when --database-url is not given (a scratch database is made there).
VERIFY_URL_ENV = "SHIPIT_VERIFY_DATABASE_URL"


class SeedScript(Model):
    path: ProjectPath = Field(description="SQL file (relative to shipit.yaml) loaded into the verify database.")
    revision: str | None = Field(
        None,
        description="Load it right after upgrading to this revision (default: the previous release's head, "
                    "or the first revision of the range when that is base).",
    )


class MigrationsConfig(Model):
    """Alembic migrations shipped with the release: offline SQL, a verified round trip, ROLLBACK.md."""

    alembic_ini: ProjectPath | None = Field(
        None, description="Path to alembic.ini, relative to shipit.yaml (default: alembic.ini if present).")
    script_location: ProjectPath | None = Field(
        None, description="Alembic script directory, relative to shipit.yaml (overrides the ini's value).")
    dialects: list[Dialect] = Field(
        default_factory=lambda: ["postgresql", "sqlite"],
        description="Dialects to write offline upgrade/downgrade SQL for.", min_length=1)
    seeds: list[ProjectPath | SeedScript] = Field(
        default_factory=list, description="SQL seed scripts: loaded during the round trip and bundled.")
    allow_irreversible: bool = Field(
        True, description="An irreversible revision in the range is a warning (true) or fails the release (false).")
    allow_destructive: bool = Field(
        True, description="Destructive operations (drops, type changes, renames) are warnings (true) or errors.")
    verify: bool = Field(True, description="Run the live round trip (upgrade, downgrade, compare, upgrade).")
    upgrade_only: bool = Field(
        False, description="The project's migrations go forward only (none defines downgrade()): a revision without "
                           "downgrade() is irreversible (allow_irreversible decides), not an error.")
    python: str | None = Field(
        None, description="The project's Python, which runs env.py and the revisions: an executable or a "
                          "virtualenv directory (relative to shipit.yaml, ~ and $VARS expanded). Default: "
                          "$SHIPIT_PROJECT_PYTHON, then the active virtualenv ($VIRTUAL_ENV), then .venv (or venv) "
                          "in the project, then shipit's own interpreter.")
    flask_app: str | None = Field(
        None, description="Flask-Migrate projects: the application whose context is pushed while env.py runs, in "
                          "Flask's --app syntax (\"package.wsgi:app\", \"package:create_app()\"). Default: FLASK_APP "
                          "from the environment or .flaskenv, when env.py uses flask.current_app.")
    env: dict[str, str] = Field(
        default_factory=dict,
        description="Environment variables for the project's code while shipit plans and verifies. "
                    "{database_url} in a value becomes the URL of the database being migrated (the scratch "
                    "database, or a URL naming only the dialect while offline SQL is written; also in "
                    "$SHIPIT_DATABASE_URL), {project_dir} the directory of shipit.yaml, {settings_py} a Python "
                    "settings file shipit writes (SQLALCHEMY_DATABASE_URI, DATABASE_URI, DATABASE_URL: the "
                    "throw-away database the application starts on) for apps that read one "
                    "(app.config.from_pyfile). DATABASE_URL and "
                    "similar variables of shipit's own environment are never passed on.")
    require_offline_sql: bool = Field(
        False, description="A revision without an offline SQL form (it reads the database while it runs) fails "
                           "the plan (true) or is a warning (false: the SQL files say which revisions they lack).")
    python_path: list[str] = Field(
        default_factory=list,
        description="Directories (relative to shipit.yaml) put on the import path while the revisions and env.py "
                    "run, for the project's own modules they import.")

    @model_validator(mode="after")
    def _unique_dialects(self) -> MigrationsConfig:
        if len(set(self.dialects)) != len(self.dialects):
            raise ValueError("dialects must not repeat")
        return self

    def seed_scripts(self) -> list[SeedScript]:
        return [s if isinstance(s, SeedScript) else SeedScript(path=s) for s in self.seeds]


#: The shipit.yaml sections this capability owns (assembled by shipit.config).
SECTIONS = {"migrations": (MigrationsConfig | None, Field(None, description="Alembic migrations: SQL, round trip, rollback."))}
