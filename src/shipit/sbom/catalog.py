"""Cataloguers: turn package databases found in an image's filesystem into :class:`Package` records.

* Debian: ``/var/lib/dpkg/status`` and ``/var/lib/dpkg/status.d/*`` (distroless), licenses from
  machine-readable ``/usr/share/doc/<pkg>/copyright`` files;
* Alpine: ``/lib/apk/db/installed``;
* Python: every ``*.dist-info/METADATA``, ``*.egg-info/PKG-INFO`` and ``*.egg-info`` file, anywhere.

The dpkg/apk databases are simple RFC 822-style stanzas; a dozen lines of parsing here avoid a
dependency on python-debian for two small formats.
"""

from __future__ import annotations

import email.errors
import email.parser
import email.policy
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from shipit.sbom.replay import ImageFS

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_STATUS_D = "var/lib/dpkg/status.d"
APK_INSTALLED = "lib/apk/db/installed"
OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
# dpkg states in which the package's files are on disk ("config-files"/"not-installed" are not).
DPKG_PRESENT = {"installed", "half-installed", "unpacked", "half-configured", "triggers-awaiting",
                "triggers-pending"}


@dataclass
class Package:
    ecosystem: str  # deb | apk | pypi
    name: str
    version: str
    path: str  # where it was found in the image ('/'-rooted)
    layer: str  # digest of the layer that wrote that file
    arch: str = ""
    licenses: list[str] = field(default_factory=list)  # raw declared strings (see bom.py)
    license_expression: str = ""  # Python License-Expression (PEP 639)
    classifiers: list[str] = field(default_factory=list)
    supplier: str = ""
    summary: str = ""
    homepage: str = ""


@dataclass(frozen=True)
class Distro:
    id: str = ""
    version_id: str = ""
    codename: str = ""
    pretty: str = ""

    @property
    def qualifier(self) -> str:
        """purl ``distro`` qualifier, e.g. debian-12, alpine-3.19.1."""
        if not self.id:
            return ""
        return f"{self.id}-{self.version_id or self.codename}" if (self.version_id or self.codename) else self.id


def wanted(path: str) -> bool:
    """Does the cataloguer need this file's bytes? (called for every regular file of every layer)."""
    if _is_python_metadata(path):
        return True
    base = posixpath.basename(path)
    parent = posixpath.dirname(path)
    if base in ("METADATA", "PKG-INFO"):
        return False
    if path in (DPKG_STATUS, APK_INSTALLED) or path in OS_RELEASE:
        return True
    if parent == DPKG_STATUS_D:
        return not base.endswith(".md5sums")
    if base == "copyright" and parent.startswith("usr/share/doc/") and parent.count("/") == 3:
        return True
    return False


# --- helpers ---------------------------------------------------------------------------------------


def stanzas(text: str) -> list[dict[str, str]]:
    """Paragraphs of ``Key: value`` lines (continuations start with space/tab), as dicts."""
    out: list[dict[str, str]] = []
    cur: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        if not line.strip():
            if cur:
                out.append(cur)
            cur, key = {}, None
        elif line[0] in " \t":
            if key is not None:
                cur[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip()
            cur[key] = value.strip()
    if cur:
        out.append(cur)
    return out


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def distro(fs: ImageFS) -> Distro:
    for path in OS_RELEASE:
        data = fs.read(path)
        if data is None:
            continue
        values = {}
        for line in _text(data).splitlines():
            k, sep, v = line.partition("=")
            if sep:
                values[k.strip()] = v.strip().strip('"').strip("'")
        return Distro(values.get("ID", ""), values.get("VERSION_ID", ""), values.get("VERSION_CODENAME", ""),
                      values.get("PRETTY_NAME", ""))
    return Distro()


# --- Debian ------------------------------------------------------------------------------------------

_SPLIT_LICENSES = re.compile(r"\s*(?:,|\bor\b|\band\b|\|)\s*", re.IGNORECASE)


def debian_copyright_licenses(data: bytes) -> list[str]:
    """License short names from a machine-readable (DEP-5) copyright file; [] if it is free-form."""
    paras = stanzas(_text(data))
    if not paras or "copyright-format" not in paras[0].get("Format", "") and "dep5" not in paras[0].get("Format", ""):
        return []
    names: set[str] = set()
    for para in paras:
        if "Files" not in para or "License" not in para:
            continue
        first = para["License"].split("\n", 1)[0]
        for token in _SPLIT_LICENSES.split(first):
            token = token.strip().strip("()")
            if token:
                names.add(token)
    return sorted(names)


def catalog_dpkg(fs: ImageFS, warn: Callable[[str], None]) -> list[Package]:
    dbs = []
    if DPKG_STATUS in fs.nodes:
        dbs.append(DPKG_STATUS)
    dbs += sorted(p for p, _ in fs.catalogue_files() if posixpath.dirname(p) == DPKG_STATUS_D)
    seen: set[tuple[str, str, str]] = set()
    out = []
    for db in dbs:
        node = fs.nodes[db]
        if node.data is None:
            continue
        for para in stanzas(_text(node.data)):
            name, version = para.get("Package", ""), para.get("Version", "")
            status = para.get("Status", "install ok installed").split()
            if not name:
                continue
            if status and status[-1] not in DPKG_PRESENT:
                continue
            if not version:
                warn(f"/{db}: package {name!r} has no Version; skipped")
                continue
            key = (name, version, para.get("Architecture", ""))
            if key in seen:
                continue
            seen.add(key)
            copyright_data = fs.read(f"usr/share/doc/{name}/copyright")
            out.append(Package(
                "deb", name, version, "/" + db, node.layer, arch=para.get("Architecture", ""),
                licenses=debian_copyright_licenses(copyright_data) if copyright_data else [],
                supplier=para.get("Maintainer", ""), summary=para.get("Description", "").split("\n")[0],
                homepage=para.get("Homepage", ""),
            ))
    return out


# --- Alpine -------------------------------------------------------------------------------------------


def catalog_apk(fs: ImageFS, warn: Callable[[str], None]) -> list[Package]:
    node = fs.nodes.get(APK_INSTALLED)
    if node is None or node.data is None:
        return []
    out = []
    cur: dict[str, str] = {}

    def flush() -> None:
        if cur.get("P"):
            if not cur.get("V"):
                warn(f"/{APK_INSTALLED}: package {cur['P']!r} has no version; skipped")
            else:
                out.append(Package("apk", cur["P"], cur["V"], "/" + APK_INSTALLED, node.layer,
                                   arch=cur.get("A", ""), licenses=[cur["L"]] if cur.get("L") else [],
                                   supplier=cur.get("m", ""), summary=cur.get("T", ""), homepage=cur.get("U", "")))
        cur.clear()

    for line in _text(node.data).splitlines():
        if not line.strip():
            flush()
        elif len(line) > 2 and line[1] == ":" and line[0] not in cur:
            cur[line[0]] = line[2:].strip()
    flush()
    return out


# --- Python -------------------------------------------------------------------------------------------


def _is_python_metadata(path: str) -> bool:
    base = posixpath.basename(path)
    parent = posixpath.dirname(path)
    return ((base == "METADATA" and parent.endswith(".dist-info"))
            or (base == "PKG-INFO" and parent.endswith(".egg-info"))
            or base.endswith(".egg-info"))


def _field(msg, key: str) -> str:
    value = msg.get(key)
    return str(value).strip() if value is not None else ""


def catalog_python(fs: ImageFS, warn: Callable[[str], None]) -> list[Package]:
    # Decode first and parse text, as importlib.metadata does: parsing bytes would give email Header
    # objects (not str) for non-ASCII values such as authors' names.
    parser = email.parser.HeaderParser(policy=email.policy.compat32)
    out = []
    for path, node in fs.catalogue_files():
        if not _is_python_metadata(path) or node.data is None:
            continue
        try:
            msg = parser.parsestr(_text(node.data))
        except (ValueError, TypeError, LookupError, email.errors.MessageError) as exc:  # arbitrary bytes
            warn(f"/{path}: unreadable Python metadata ({exc}); skipped")
            continue
        name, version = _field(msg, "Name"), _field(msg, "Version")
        if not name or not version:
            warn(f"/{path}: Python metadata without Name/Version; skipped")
            continue
        out.append(Package(
            "pypi", name, version, "/" + path, node.layer,
            licenses=[v for v in map(str, msg.get_all("License", [])) if v.strip() and v.strip() != "UNKNOWN"],
            license_expression=_field(msg, "License-Expression"),
            classifiers=[c.strip() for c in map(str, msg.get_all("Classifier", []))
                         if c.strip().startswith("License ::")],
            supplier=_field(msg, "Author") or _field(msg, "Author-email"),
            summary=_field(msg, "Summary"), homepage=_field(msg, "Home-page"),
        ))
    return out


def catalog(fs: ImageFS, warn: Callable[[str], None]) -> list[Package]:
    """Every package found in the image, in a stable order."""
    pkgs = catalog_dpkg(fs, warn) + catalog_apk(fs, warn) + catalog_python(fs, warn)
    return sorted(pkgs, key=lambda p: (p.ecosystem, p.name.lower(), p.version, p.arch, p.path))
