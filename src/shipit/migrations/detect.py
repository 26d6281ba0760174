"""``shipit init``'s look at a project's migrations, from its files only (nothing is imported or run):
which ``alembic.ini`` and script directory, Flask-Migrate and the Flask application, the environment
variables the project's settings read, the dialects it targets, and what makes its migrations special
(templated ini, a connection handed over in ``config.attributes``, a schema made by ``create_all`` and
stamped, no downgrades, a package that must be installed). See :mod:`shipit.migrations.locate`.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from shipit.core.detect import Dependencies, Detection, ProjectTree
from shipit.migrations.locate import IniFacts, read_ini

#: Folders whose migrations are examples or test fixtures rather than the project's own.
SECONDARY = ("tests/", "test/", "examples/", "example/", "docs/", "doc/", "samples/")
#: Names of settings variables worth naming (the rest of os.environ reads are the app's business).
_SETTINGS_NAME = re.compile(r"(CONFIG|SETTINGS|DATABASE|(^|_)DB(_|$)|_URI$|_URL$|_DSN$|_FILE$|_PATH$)")
_SETTINGS_EXACT = {"DEV", "ENV", "ENVIRONMENT", "APP_ENV", "FLASK_ENV", "FLASK_CONFIG", "APP_SETTINGS"}
_NOT_SETTINGS = {"PATH", "HOME", "PYTHONPATH", "LD_LIBRARY_PATH", "VIRTUAL_ENV"}
_ENV_CALLS = {"getenv", "get", "setdefault", "pop"}
#: Alembic Config's own attributes: any other ``config.<name>`` in env.py is set by the project's tooling.
_CONFIG_API = {
    "attributes", "cmd_opts", "config_file_name", "config_ini_section", "file_config", "get_main_option",
    "set_main_option", "get_section", "get_section_option", "set_section_option", "remove_main_option",
    "print_stdout", "get_template_directory", "get_alembic_option", "get_alembic_boolean_option",
    "messaging_opts", "output_buffer", "stdout", "config_args", "toml_file_name", "toml_alembic_config",
    "get_version_locations_list", "get_prepend_sys_paths_list", "get_hooks_list", "get_path_separator",
    "get_file_separator", "get_separator_char", "is_toml_file",
}


@dataclass
class Migrations:
    """The migrations init chose, and what it learnt about them."""

    ini: IniFacts | None = None
    ini_rel: str = ""
    script_dir: str = ""
    script_how: str = ""
    write_script_location: bool = False
    kinds: list[str] = field(default_factory=list)
    flask_app: str = ""
    flask_app_from: str = ""
    flask_context: bool = False  # env.py needs the app context (current_app)
    env: dict[str, tuple[str, str]] = field(default_factory=dict)  # NAME -> (suggested value, where read)
    dialects: list[str] = field(default_factory=list)
    dialects_from: str = ""
    revisions: int = 0
    notes: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


def detect(tree: ProjectTree, deps: Dependencies) -> Detection:
    out = Detection()
    mig = find(tree, deps)
    out.facts["migrations"] = mig
    if mig is None:
        out.miss("migrations", "no alembic.ini and no Alembic script directory (env.py) in the project",
                 "add `migrations: {alembic_ini: PATH}` when the project has Alembic migrations")
        return out
    if mig.ini_rel:
        out.add("migrations.alembic_ini", mig.ini_rel, f"found {mig.ini_rel}" + (
            f" (also found: {', '.join(mig.others)})" if mig.others else ""))
    if mig.script_dir:
        out.add("migrations.script_location", mig.script_dir, mig.script_how,
                f"{mig.revisions} revision(s)")
    else:
        out.miss("migrations.script_location", mig.script_how or "the Alembic script directory was not found",
                 "set migrations.script_location to the folder holding env.py")
    if mig.kinds:
        out.add("migrations (kind)", mig.kinds, "; ".join(_KIND_SOURCES[k] for k in mig.kinds if k in _KIND_SOURCES)
                or "plain Alembic")
    if mig.flask_app:
        out.add("migrations.flask_app", mig.flask_app, mig.flask_app_from,
                "" if mig.flask_context else "env.py creates the app itself: no app context is pushed")
    elif mig.flask_context:
        out.miss("migrations.flask_app", "env.py uses flask.current_app, and no FLASK_APP (.flaskenv, .env) or "
                 "WSGI module names the application", 'set migrations.flask_app: "package.module:app"')
    for name, (value, where) in mig.env.items():
        out.add(f"migrations.env.{name}", value or "(written commented: set it)", f"read at {where}")
    if mig.dialects:
        out.add("migrations.dialects", mig.dialects, mig.dialects_from)
    return out


_KIND_SOURCES = {
    "flask-migrate": "Flask-Migrate: the migrations run inside the Flask application",
    "templated-ini": "the ini is a template the project's own tooling renders",
    "connection-in-config-attributes": "env.py takes its connection from config.attributes['connection']",
    "env-needs-project-config": "env.py reads an attribute the project's own tooling sets on the Alembic Config",
    "env-needs-oslo-config": "env.py reads config.conf, the oslo.config object the project's own tooling sets",
    "env-creates-flask-app": "env.py creates the Flask application itself",
    "needs-installed-package": "the project reads its own version from installed package metadata",
    "schema-by-create-all-and-stamp": "the schema is created from the models and stamped, not by the first revision",
    "upgrade-only": "no revision defines downgrade()",
}


def find(tree: ProjectTree, deps: Dependencies) -> Migrations | None:
    root = tree.root
    inis = [read_ini(root / rel, root) for rel in tree.named("alembic.ini")]
    inis.sort(key=lambda f: (f.script_dir is None, _secondary(_rel(f.path, root)),
                             _rel(f.path, root).count("/"), _rel(f.path, root)))
    mig = Migrations()
    if inis:
        chosen = inis[0]
        mig.ini, mig.ini_rel = chosen, _rel(chosen.path, root)
        mig.others = [_rel(f.path, root) for f in inis[1:]]
        if chosen.script_dir is not None:
            mig.script_dir, mig.script_how = _rel(chosen.script_dir, root), chosen.how
            plain = (chosen.written and "script_location" not in chosen.templated
                     and ":" not in chosen.written.replace("%(here)s", ""))
            mig.write_script_location = not plain
        else:
            mig.script_how = chosen.problem
            loose = _script_dirs(tree)
            if len(loose) == 1:
                mig.script_dir = loose[0]
                mig.script_how = f"{chosen.problem}; the only Alembic script directory is {loose[0]}"
                mig.write_script_location = True
    else:
        loose = _script_dirs(tree)
        if not loose:
            return None
        mig.script_dir, mig.script_how = loose[0], f"{loose[0]}/env.py with a versions/ folder (no alembic.ini)"
        mig.write_script_location = True
        mig.others = loose[1:]
    if mig.ini is not None and mig.ini.templated:
        mig.kinds.append("templated-ini")
    script = root / mig.script_dir if mig.script_dir else None
    env_text = tree.read(f"{mig.script_dir}/env.py") if script else ""
    env_tree = _parse(env_text)
    revisions = _revision_files(script) if script else []
    mig.revisions = len(revisions)
    _flask(tree, deps, mig, env_text, env_tree)
    if "config.attributes" in env_text or re.search(r"\.attributes\s*(\.get\(|\[)\s*['\"]connection", env_text):
        mig.kinds.append("connection-in-config-attributes")
    extras = _config_extras(env_tree)
    if extras:
        oslo = "conf" in extras and deps.has("oslo.config")
        mig.kinds.append("env-needs-oslo-config" if oslo else "env-needs-project-config")
        mig.notes.append(f"env.py reads config.{', config.'.join(extras)}, which the project's own tooling sets on the "
                         "Alembic Config" + (" (an oslo.config object)" if oslo else "") + ": without it env.py "
                         "falls back to the project's configuration files and environment variables")
    packages = _project_packages(tree, mig, env_tree)
    if _needs_installed(tree, packages):
        mig.kinds.append("needs-installed-package")
        mig.notes.append("the project reads its own version from installed package metadata: install it in its "
                         "environment (`pip install --no-deps -e .`)")
    if _schema_elsewhere(tree, packages, revisions):
        mig.kinds.append("schema-by-create-all-and-stamp")
        mig.notes.append("the first revision does not create the schema (the project creates it from its models "
                         "and stamps the head): a round trip from an empty database fails at the first revision "
                         "that alters a table")
    if revisions and not any(_defines(p, "downgrade") for p in revisions):
        mig.kinds.append("upgrade-only")
        mig.notes.append(f"none of the {len(revisions)} revisions defines downgrade(): the way back is the backup")
    if not any(k in mig.kinds for k in ("flask-migrate",)):
        mig.kinds.insert(0, "alembic")
    mig.env = _settings_env(tree, mig, env_tree, packages)
    mig.dialects, mig.dialects_from = _dialects(tree, deps, mig, packages)
    return mig


def _secondary(rel: str) -> bool:
    return rel.startswith(SECONDARY) or "/tests/" in rel or "/examples/" in rel


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _script_dirs(tree: ProjectTree) -> list[str]:
    dirs = []
    for rel in tree.named("env.py"):
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        base = tree.root / folder
        if (base / "versions").is_dir() or (base / "script.py.mako").is_file():
            dirs.append(folder or ".")
    return sorted(dirs, key=lambda d: (_secondary(d + "/"), d.count("/"), d))


def _revision_files(script: Path) -> list[Path]:
    versions = script / "versions"
    if not versions.is_dir():
        return []
    return sorted(p for p in versions.rglob("*.py") if p.name != "__init__.py" and "__pycache__" not in p.parts)


def _parse(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _defines(path: Path, name: str) -> bool:
    module = _parse(path.read_text(encoding="utf-8", errors="replace"))
    return module is not None and any(isinstance(n, ast.FunctionDef) and n.name == name for n in module.body)


# --- Flask ----------------------------------------------------------------------------------------------


def _flask(tree: ProjectTree, deps: Dependencies, mig: Migrations, env_text: str, env_tree) -> None:
    declared = deps.has("flask-migrate")
    uses_current_app = "current_app" in env_text
    if declared or (uses_current_app and "extensions" in env_text and "migrate" in env_text):
        mig.kinds.append("flask-migrate")
    mig.flask_context = uses_current_app
    flaskenv = _flask_app_setting(tree)
    if flaskenv:
        value, where = flaskenv
        mig.flask_app, mig.flask_app_from = _module_of(value), where
        return
    created = _env_creates_app(tree, env_tree)
    if created and not uses_current_app:
        mig.kinds.append("env-creates-flask-app")
        mig.flask_app, mig.flask_app_from = created
        return
    if not (uses_current_app or declared):
        return
    found = _wsgi_app(tree, mig)
    if found:
        mig.flask_app, mig.flask_app_from = found


def _flask_app_setting(tree: ProjectTree) -> tuple[str, str] | None:
    for name in (".flaskenv", ".env"):
        text = tree.read(name)
        for n, line in enumerate(text.splitlines(), 1):
            m = re.match(r"""^\s*(?:export\s+)?FLASK_APP\s*=\s*['"]?([^'"#\s]+)""", line)
            if m:
                return m.group(1), f"{name}:{n} FLASK_APP={m.group(1)}"
    return None


def _module_of(value: str) -> str:
    """FLASK_APP's forms (``module``, ``module:app``, ``path/to/file.py``) as ``module[:attr]``."""
    target, _, attr = value.partition(":")
    if target.endswith(".py") or "/" in target:
        target = target.removesuffix(".py")
        target = target.strip("./").replace("/", ".")
    return f"{target}:{attr}" if attr else target


def _module_file(tree: ProjectTree, module: str) -> str | None:
    parts = module.split(".")
    for base in ("", "src/"):
        for rel in (f"{base}{'/'.join(parts)}.py", f"{base}{'/'.join(parts)}/__init__.py"):
            if tree.exists(rel):
                return rel
    return None


def _imports(module: ast.Module | None) -> list[tuple[str, list[str], int]]:
    """(module, names, line) of every ``from X import a, b`` and ``import X`` at any depth."""
    out = []
    for node in ast.walk(module) if module is not None else []:
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names]
    return out


def _env_creates_app(tree: ProjectTree, env_tree) -> tuple[str, str] | None:
    """env.py imports a project function that builds a Flask app (``from pkg.app import create``)."""
    for module, names, line in _imports(env_tree):
        rel = _module_file(tree, module)
        if not rel:
            continue
        text = tree.read(rel)
        if "Flask(" not in text:
            continue
        defined = {n.name for n in (_parse(text) or ast.Module(body=[])).body if isinstance(n, ast.FunctionDef)}
        for name in names:
            if name in defined:
                return f"{module}:{name}", f"env.py:{line} imports {name} from {rel}, which builds a Flask app"
    return None


_APP_NAMES = ("app", "application")


def _wsgi_app(tree: ProjectTree, mig: Migrations) -> tuple[str, str] | None:
    """A module-level Flask application: ``app = create_app()`` / ``application = Flask(__name__)``."""
    package = mig.script_dir.split("/", 1)[0] if mig.script_dir and "/" in mig.script_dir else ""
    names = ("wsgi.py", "app.py", "application.py", "main.py", "run.py", "__init__.py", "server.py")
    candidates = []
    for folder in ([package] if package else []) + [""] + (["src/" + package] if package else []):
        for name in names:
            rel = f"{folder}/{name}" if folder else name
            if tree.exists(rel):
                candidates.append(rel)
    candidates += [f for f in tree.named("wsgi.py") if f not in candidates and not _secondary(f)]
    for rel in candidates:
        module = _parse(tree.read(rel))
        for node in module.body if module is not None else []:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id in _APP_NAMES and isinstance(node.value, ast.Call)):
                continue
            func = node.value.func
            called = func.id if isinstance(func, ast.Name) else (func.attr if isinstance(func, ast.Attribute) else "")
            if called == "Flask" or "app" in called.lower() or called.startswith(("create", "make")):
                dotted = rel[:-3].removeprefix("src/").replace("/", ".").removesuffix(".__init__")
                return (f"{dotted}:{node.targets[0].id}",
                        f"{rel}:{node.lineno} {node.targets[0].id} = {called}(...)"
                        + (" (no FLASK_APP, no .flaskenv)" if not tree.exists(".flaskenv") else ""))
    return None


# --- the project's code around env.py --------------------------------------------------------------------


def _config_extras(env_tree) -> list[str]:
    """``config.<name>`` reads in env.py that are not Alembic's Config API (set by the project's tooling)."""
    config_names = {"config"}
    for node in ast.walk(env_tree) if env_tree is not None else []:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Attribute) and node.value.attr == "config"
                and isinstance(node.value.value, ast.Name) and node.value.value.id == "context"):
            config_names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    extras = set()
    for node in ast.walk(env_tree) if env_tree is not None else []:
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in config_names
                and isinstance(node.ctx, ast.Load) and node.attr not in _CONFIG_API and not node.attr.startswith("_")):
            extras.add(node.attr)
    return sorted(extras)


def _project_packages(tree: ProjectTree, mig: Migrations, env_tree) -> list[str]:
    """Top-level packages of the project that env.py or the script directory belong to."""
    out = []
    if mig.script_dir and "/" in mig.script_dir:
        top = mig.script_dir.split("/", 1)[0]
        if top == "src" and mig.script_dir.count("/") >= 2:
            top = mig.script_dir.split("/")[1]
        out.append(top)
    for module, _, _ in _imports(env_tree):
        top = module.split(".", 1)[0]
        if top not in out and _module_file(tree, top):
            out.append(top)
    if mig.flask_app:
        top = mig.flask_app.split(":", 1)[0].split(".", 1)[0]
        if top not in out and _module_file(tree, top):
            out.append(top)
    return out


def _package_files(tree: ProjectTree, packages: list[str]) -> list[str]:
    prefixes = tuple(f"{p}/" for p in packages) + tuple(f"src/{p}/" for p in packages)
    return [f for f in tree.files if f.endswith(".py") and f.startswith(prefixes) and "/versions/" not in f]


def _needs_installed(tree: ProjectTree, packages: list[str]) -> bool:
    """A module-level, unguarded ``metadata.version(...)`` / ``get_distribution(...)`` in the project."""
    for rel in _package_files(tree, packages):
        text = tree.read(rel)
        if "version(" not in text and "get_distribution(" not in text:
            continue
        module = _parse(text)
        for node in module.body if module is not None else []:
            if isinstance(node, ast.Try | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue  # guarded, or not run at import
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute | ast.Name):
                    name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id
                    owner = ast.unparse(call.func.value) if isinstance(call.func, ast.Attribute) else ""
                    if (name == "version" and "metadata" in owner) or name == "get_distribution":
                        return True
    return False


def _schema_elsewhere(tree: ProjectTree, packages: list[str], revisions: list[Path]) -> bool:
    """The first revision does not make the schema: it is empty or alters tables it never creates, or the
    project's own code creates the tables from its models and stamps the head."""
    for rel in _package_files(tree, packages) + [f for f in tree.files if f.count("/") == 0 and f.endswith(".py")]:
        text = tree.read(rel)
        if "create_all(" in text and re.search(r"\bstamp\(", text):
            return True
    first = _first_revision(revisions)
    if first is None:
        return False
    module = _parse(first.read_text(encoding="utf-8", errors="replace"))
    up = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "upgrade"), None) if module else None
    if up is None:
        return False
    body = [s for s in up.body if not (isinstance(s, ast.Pass) or (isinstance(s, ast.Expr)
                                                                     and isinstance(s.value, ast.Constant)))]
    if not body:
        return len(revisions) > 1
    created, touched = set(), set()
    for node in ast.walk(up):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            arg = node.args[0]
            table = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
            if table is None:
                continue
            if node.func.attr == "create_table":
                created.add(table)
            elif node.func.attr in ("add_column", "alter_column", "drop_column", "create_foreign_key",
                                    "drop_constraint", "batch_alter_table", "create_unique_constraint"):
                touched.add(table)
    return bool(touched) and not created


def _first_revision(revisions: list[Path]) -> Path | None:
    for path in revisions:
        module = _parse(path.read_text(encoding="utf-8", errors="replace"))
        for node in module.body if module is not None else []:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                node.target if isinstance(node, ast.AnnAssign) else None)
            if isinstance(target, ast.Name) and target.id == "down_revision":
                value = getattr(node, "value", None)
                if value is None or (isinstance(value, ast.Constant) and value.value is None):
                    return path
    return None


# --- settings ---------------------------------------------------------------------------------------------


def _settings_env(tree: ProjectTree, mig: Migrations, env_tree, packages: list[str]) -> dict[str, tuple[str, str]]:
    """Environment variables the code around the migrations reads for its settings: ``os.environ`` reads in
    env.py, the Flask app's module and the project modules env.py imports (one level further), and
    pydantic-settings fields that env.py reads (``get_settings().database.url`` → ``DATABASE__URL``)."""
    files: list[str] = []
    if mig.script_dir:
        files.append(f"{mig.script_dir}/env.py" if mig.script_dir != "." else "env.py")
    if mig.flask_app:
        rel = _module_file(tree, mig.flask_app.split(":", 1)[0])
        if rel:
            files.append(rel)
    frontier = list(files)
    for _ in range(2):
        nxt = []
        for rel in frontier:
            for module, names, _ in _imports(_parse(tree.read(rel))):
                for candidate in [module] + [f"{module}.{n}" for n in names]:
                    found = _module_file(tree, candidate)
                    if found and found not in files and candidate.split(".", 1)[0] in packages:
                        files.append(found)
                        nxt.append(found)
        frontier = nxt
    out: dict[str, tuple[str, str]] = {}
    for rel in files:
        text = tree.read(rel)
        for name, line in _environ_reads(_parse(text)):
            if _is_setting(name) and name not in out:
                if _names_database_url(name, rel):
                    out[name] = (PLACEHOLDER, f"{rel}:{line}")
                elif "from_pyfile(" in text and re.search(r"CONFIG|SETTINGS", name):
                    out[name] = (SETTINGS_PY, f"{rel}:{line}, a Python settings file (app.config.from_pyfile)")
                else:
                    out[name] = ("", f"{rel}:{line}")
    for name, where in _pydantic_env(tree, files, env_tree, mig):
        out.setdefault(name, (PLACEHOLDER, where))
    return out


PLACEHOLDER = "{database_url}"
SETTINGS_PY = "{settings_py}"


def _names_database_url(name: str, rel: str) -> bool:
    """A variable that holds the database's URL itself (DATABASE_URL, GNOCCHI_INDEXER_URL read by the indexer)."""
    if not re.search(r"(_URL|_URI|_DSN)$", name):
        return False
    return bool(re.search(r"DATABASE|(^|_)DB|SQL", name)) or bool(re.search(r"(^|/)(db|database|indexer|models?)"
                                                                          r"(/|\.py|$)|sql", rel))


def _is_setting(name: str) -> bool:
    return name not in _NOT_SETTINGS and (name in _SETTINGS_EXACT or bool(_SETTINGS_NAME.search(name)))


def _environ_reads(module) -> list[tuple[str, int]]:
    out = []
    for node in ast.walk(module) if module is not None else []:
        name = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            text = ast.unparse(func)
            if (isinstance(func, ast.Attribute) and func.attr in _ENV_CALLS and "environ" in text) or \
                    text in ("os.getenv", "getenv"):
                name = node.args[0].value
        elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value) \
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
            name = node.slice.value
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant) \
                and isinstance(node.left.value, str) and any("environ" in ast.unparse(c) for c in node.comparators):
            name = node.left.value
        if name and re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            out.append((name, node.lineno))
    return sorted(out, key=lambda x: x[1])


def _pydantic_env(tree: ProjectTree, files: list[str], env_tree, mig: Migrations) -> list[tuple[str, str]]:
    """``X().a.b.url`` in env.py where X's module defines a pydantic ``BaseSettings`` subclass."""
    settings = []
    for rel in files:
        text = tree.read(rel)
        if "BaseSettings" not in text:
            continue
        delimiter = re.search(r"""env_nested_delimiter\s*=\s*['"]([^'"]+)['"]""", text)
        prefix = re.search(r"""env_prefix\s*=\s*['"]([^'"]*)['"]""", text)
        settings.append((rel, delimiter.group(1) if delimiter else "", prefix.group(1) if prefix else ""))
    if not settings or env_tree is None:
        return []
    out = []
    for node in ast.walk(env_tree):
        if not isinstance(node, ast.Attribute) or not re.search(r"(url|uri|dsn)$", node.attr, re.IGNORECASE):
            continue
        chain, inner = [node.attr], node.value
        while isinstance(inner, ast.Attribute):
            chain.insert(0, inner.attr)
            inner = inner.value
        if not isinstance(inner, ast.Call | ast.Name):
            continue
        rel, delimiter, prefix = settings[0]
        if len(chain) > 1 and not delimiter:
            continue
        name = (prefix + (delimiter or "_").join(chain)).upper()
        env_rel = f"{mig.script_dir}/env.py" if mig.script_dir not in ("", ".") else "env.py"
        where = (f"{env_rel}:{node.lineno} reads {ast.unparse(node)}; {rel} is pydantic settings"
                 + (f" (env_nested_delimiter {delimiter!r})" if delimiter else ""))
        if (name, where) not in out:
            out.append((name, where))
    return out


_URL_LITERAL = re.compile(r"""['"](postgresql|postgres|sqlite|mysql|mariadb)(\+\w+)?://""")


def _dialects(tree: ProjectTree, deps: Dependencies, mig: Migrations,
              packages: list[str]) -> tuple[list[str], str]:
    """The databases the project runs on: the ini's URL, database URLs written in its code (a default in its
    settings), and the drivers it depends on."""
    found: dict[str, str] = {}

    def note(scheme: str, where: str) -> None:
        dialect = {"postgres": "postgresql", "mariadb": "mysql"}.get(scheme, scheme)
        if dialect in ("postgresql", "sqlite", "mysql"):
            found.setdefault(dialect, where)

    url = (mig.ini.options.get("sqlalchemy.url", "") if mig.ini else "").strip()
    if "://" in url:
        note(url.split(":", 1)[0].split("+", 1)[0], f"sqlalchemy.url in {mig.ini_rel}")
    for rel in _package_files(tree, packages):
        text = tree.read(rel)
        for m in _URL_LITERAL.finditer(text):
            note(m.group(1), f"a {m.group(1)} URL in {rel}:{text.count(chr(10), 0, m.start()) + 1}")
    for dialect, names in (("postgresql", ("psycopg2", "psycopg2-binary", "psycopg", "asyncpg", "pg8000")),
                           ("mysql", ("pymysql", "mysqlclient", "mysql-connector-python", "aiomysql")),
                           ("sqlite", ("aiosqlite",))):
        src = deps.has(*names)
        if src:
            found.setdefault(dialect, f"a {dialect} driver in {src}")
    if not found:
        return [], ""
    order = [d for d in ("postgresql", "mysql", "sqlite") if d in found]
    return order, "; ".join(f"{d}: {found[d]}" for d in order)
