"""Config loading: errors point at file:line:column with the field path and a hint."""

from __future__ import annotations

import json
import re

import pytest

from shipit.config import Config, json_schema, load_config
from shipit.core.errors import ConfigError
from tests.conftest import run_shipit


def write(tmp_path, text: str):
    p = tmp_path / "shipit.yaml"
    p.write_text(text)
    return p


def test_valid_config_loads(tmp_path):
    cfg = load_config(write(tmp_path, "schema_version: 1\nproject:\n  name: orders\n  owners: [team-a]\n"))
    assert cfg.project.name == "orders"
    assert cfg.project.owners == ["team-a"]
    assert cfg.digest.startswith("sha256:") and len(cfg.digest) == 71
    assert cfg.project_dir == tmp_path.resolve()


def test_unknown_key_suggests_close_match(tmp_path):
    p = write(tmp_path, "schema_version: 1\nproject:\n  name: orders\n  ownres: []\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert f"{p}:4:3" in exc.value.message
    assert "project.ownres" in exc.value.message
    assert "did you mean 'owners'" in exc.value.message
    assert exc.value.exit_code == 2
    assert "owners" in exc.value.hint


def test_wrong_type_names_line_and_path(tmp_path):
    p = write(tmp_path, "schema_version: 1\nproject:\n  name: orders\n  owners: 5\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert f"{p}:4:3: project.owners" in exc.value.message
    assert "list" in exc.value.message


def test_bad_value(tmp_path):
    p = write(tmp_path, "schema_version: 1\nproject:\n  name: Not Valid\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert f"{p}:3:3: project.name" in exc.value.message
    assert "Not Valid" in exc.value.message


def test_missing_required_key(tmp_path):
    p = write(tmp_path, "schema_version: 1\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert "missing required key 'project'" in exc.value.message


def test_yaml_syntax_error_has_position(tmp_path):
    p = write(tmp_path, "project:\n  name: [unclosed\n  other: 1\n")
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    assert str(p) + ":" in exc.value.message and "YAML syntax error" in exc.value.message


def test_duplicate_keys_rejected(tmp_path):
    p = write(tmp_path, "project:\n  name: a\n  name: b\n")
    with pytest.raises(ConfigError):
        load_config(p)


def test_top_level_must_be_mapping(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(write(tmp_path, "- a\n- b\n"))
    assert "mapping" in exc.value.message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path / "nope.yaml")
    assert "shipit init" in exc.value.hint


@pytest.mark.parametrize(
    "text, expect",
    [
        ("project:\n  name: [unclosed\n", "YAML syntax error"),
        ("project:\n  name: orders\n  owners: 5\n", ":3:3: project.owners"),
        ("project:\n  name: orders\nimagez: []\n", "unknown key 'imagez'"),
    ],
)
def test_cli_config_errors_exit_2_without_traceback(tmp_path, text, expect):
    write(tmp_path, text)
    proc = run_shipit("release", "--version", "1.0.0", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert expect in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any(p.name[0].isdigit() for p in (tmp_path / "release").glob("*")) if (tmp_path / "release").exists() else True


def test_cli_verbose_shows_traceback(tmp_path):
    write(tmp_path, "project:\n  name: orders\n  owners: 5\n")
    proc = run_shipit("-v", "release", "--version", "1.0.0", cwd=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr


def test_schema_command_prints_json_schema(tmp_path):
    proc = run_shipit("schema", cwd=tmp_path, check=True)
    schema = json.loads(proc.stdout)
    assert schema == json_schema()
    assert schema["additionalProperties"] is False
    assert "project" in schema["required"]


def test_schema_validates_a_real_config_independently(tmp_path):
    """The exported schema accepts what the model accepts and rejects an unknown key (jsonschema, not pydantic)."""
    import jsonschema

    schema = json_schema()
    jsonschema.validate({"schema_version": 1, "project": {"name": "orders"}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"project": {"name": "orders"}, "bogus": 1}, schema)


def test_init_detects_and_output_validates(tmp_path):
    proj = tmp_path / "svc"
    (proj / ".github" / "workflows").mkdir(parents=True)
    (proj / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    (proj / "Dockerfile").write_text("FROM scratch\n")
    (proj / "alembic.ini").write_text("[alembic]\n")
    (proj / ".gitlab-ci.yml").write_text("test:\n  script: [true]\n")
    proc = run_shipit("init", str(proj), check=True)
    assert re.search(r"images\[\]\.dockerfile +Dockerfile  <- Dockerfile", proc.stdout)
    assert re.search(r"pipeline\.files +\.github/workflows/ci\.yml  <- GitHub Actions workflow", proc.stdout)
    assert re.search(r"pipeline\.files +\.gitlab-ci\.yml  <- GitLab CI", proc.stdout)
    cfg = load_config(proj / "shipit.yaml")
    assert isinstance(cfg, Config) and cfg.project.name == "svc"
    again = run_shipit("init", str(proj))
    assert again.returncode == 2 and "--force" in again.stderr


def test_init_on_empty_project_validates(tmp_path):
    run_shipit("init", str(tmp_path), check=True)
    assert load_config(tmp_path / "shipit.yaml").project.name
