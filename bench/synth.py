"""Synthetic but realistic inputs for the benchmarks: root filesystems with many packages, OCI images
made of them, and whole signed releases of several such images (with SBOMs, provenance, sign-offs).

A root filesystem holds what real Debian/Python images hold for each package, in the same formats:
a ``/var/lib/dpkg/status`` stanza (with the fields dpkg writes), ``/usr/share/doc/<pkg>/copyright``
(machine-readable DEP-5 for two thirds of them, free-form for the rest), a shared library per package,
and for Python distributions a ``site-packages/<name>-<version>.dist-info`` with ``METADATA`` (license
classifiers, ``License-Expression`` for some), ``RECORD`` and the module itself. ``payload_mib`` adds
incompressible bytes (binaries, data) so images have realistic sizes.

Everything is derived from a seed: the same arguments give the same bytes.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import random
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SITE = "usr/local/lib/python3.11/site-packages"
LICENSES_DEB = ["GPL-2+", "LGPL-2.1+", "BSD-3-Clause", "MIT", "Expat", "Apache-2.0", "GPL-3+", "Zlib", "public-domain"]
CLASSIFIERS = ["License :: OSI Approved :: MIT License", "License :: OSI Approved :: BSD License",
               "License :: OSI Approved :: Apache Software License",
               "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
               "License :: OSI Approved :: Python Software Foundation License"]
EXPRESSIONS = ["MIT", "Apache-2.0", "BSD-3-Clause", "MIT OR Apache-2.0", "Apache-2.0 WITH LLVM-exception"]
WORDS = ("data stream parser client server library toolkit binding runtime codec network crypto image "
         "text xml json yaml http async cache config logging metrics test build plugin core utils").split()


@dataclass(frozen=True)
class Pkg:
    name: str
    version: str


def split(components: int) -> tuple[int, int]:
    """How many Debian and Python packages make ``components`` SBOM components (one more is the OS)."""
    packages = max(components - 1, 2)
    debs = packages * 3 // 5
    return debs, packages - debs


def packages(debs: int, pys: int, seed: int) -> tuple[list[Pkg], list[Pkg]]:
    rnd = random.Random(seed)

    def version() -> str:
        return f"{rnd.randint(0, 9)}.{rnd.randint(0, 30)}.{rnd.randint(0, 20)}"

    deb = [Pkg(f"lib{rnd.choice(WORDS)}{i:05d}-{rnd.randint(1, 9)}", version() + f"-{rnd.randint(1, 5)}")
           for i in range(debs)]
    py = [Pkg(f"{rnd.choice(WORDS)}-{rnd.choice(WORDS)}-{i:05d}", version()) for i in range(pys)]
    return deb, py


def _dpkg_stanza(p: Pkg, rnd: random.Random) -> str:
    depends = ", ".join(f"lib{rnd.choice(WORDS)}{rnd.randint(0, 99999):05d}-1 (>= 1.0)" for _ in range(rnd.randint(0, 4)))
    lines = [f"Package: {p.name}", "Status: install ok installed", "Priority: optional",
             f"Section: {rnd.choice(['libs', 'utils', 'net', 'admin', 'python'])}",
             f"Installed-Size: {rnd.randint(20, 20000)}",
             "Maintainer: Debian Synthetic Maintainers <pkg-synth@lists.example.org>",
             *((f"Architecture: {arch}", f"Multi-Arch: {'same' if arch == 'amd64' else 'foreign'}")
               for arch in [rnd.choice(["amd64", "amd64", "all"])]).__next__(),
             f"Version: {p.version}"]
    if depends:
        lines.append(f"Depends: {depends}")
    lines += [f"Description: {rnd.choice(WORDS)} {rnd.choice(WORDS)} {rnd.choice(WORDS)} library",
              " This package provides the shared library and its runtime data.", " .",
              " It is part of a synthetic root filesystem used for benchmarks.",
              f"Homepage: https://{rnd.choice(WORDS)}.example.org/"]
    return "\n".join(lines) + "\n"


def _copyright(p: Pkg, rnd: random.Random) -> str:
    lic = rnd.choice(LICENSES_DEB)
    if rnd.random() < 1 / 3:
        return f"This is {p.name}, packaged for Debian.\n\nCopyright (C) 2001-2024 Its Authors.\nLicense: {lic}\n"
    second = rnd.choice(LICENSES_DEB)
    return (f"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
            f"Upstream-Name: {p.name}\nSource: https://{p.name}.example.org/\n\n"
            f"Files: *\nCopyright: 2001-2024 The {p.name} authors\nLicense: {lic}\n\n"
            f"Files: debian/*\nCopyright: 2024 Debian Synthetic Maintainers\nLicense: {second}\n\n"
            f"License: {lic}\n On Debian systems the full text is in /usr/share/common-licenses.\n")


def _metadata(p: Pkg, rnd: random.Random) -> str:
    lines = ["Metadata-Version: 2.4" if rnd.random() < 0.3 else "Metadata-Version: 2.1", f"Name: {p.name}",
             f"Version: {p.version}", f"Summary: A {rnd.choice(WORDS)} {rnd.choice(WORDS)} for Python",
             f"Home-page: https://github.com/example/{p.name}", "Author: Example Authors",
             "Author-email: authors@example.org"]
    if lines[0].endswith("2.4"):
        lines.append(f"License-Expression: {rnd.choice(EXPRESSIONS)}")
    else:
        lines.append(f"Classifier: {rnd.choice(CLASSIFIERS)}")
    lines += ["Classifier: Programming Language :: Python :: 3", "Requires-Python: >=3.9",
              f"Requires-Dist: {rnd.choice(WORDS)}-{rnd.choice(WORDS)} (>=1.0)", "",
              f"# {p.name}\n\nLong description of {p.name}.\n"]
    return "\n".join(lines)


def rootfs_entries(debs: list[Pkg], pys: list[Pkg], payload_mib: float, seed: int) -> Iterator[tuple[str, bytes | None]]:
    """(path, bytes) for files, (path, None) for directories, parents first, sorted within a directory."""
    rnd = random.Random(seed)
    yield "etc", None
    yield "etc/os-release", (b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\n'
                              b'VERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n')
    for d in ("usr", "usr/lib", "usr/lib/x86_64-linux-gnu", "usr/share", "usr/share/doc", "var", "var/lib",
              "var/lib/dpkg"):
        yield d, None
    lib_size = int(payload_mib * 0.6 * (1 << 20) / max(len(debs), 1))
    for p in debs:
        yield f"usr/lib/x86_64-linux-gnu/{p.name}.so.1", rnd.randbytes(max(lib_size, 64))
    for p in sorted(debs, key=lambda p: p.name):
        yield f"usr/share/doc/{p.name}", None
        yield f"usr/share/doc/{p.name}/copyright", _copyright(p, rnd).encode()
    yield "var/lib/dpkg/status", "\n".join(_dpkg_stanza(p, rnd) for p in debs).encode()
    for d in ("usr/local", "usr/local/lib", "usr/local/lib/python3.11", SITE):
        yield d, None
    mod_size = int(payload_mib * 0.4 * (1 << 20) / max(len(pys), 1))
    for p in sorted(pys, key=lambda p: p.name):
        mod = p.name.replace("-", "_")
        info = f"{SITE}/{mod}-{p.version}.dist-info"
        code = (f'"""{p.name}"""\n__version__ = "{p.version}"\n').encode() + rnd.randbytes(max(mod_size, 64))
        record = (f"{mod}/__init__.py,sha256={hashlib.sha256(code).hexdigest()},{len(code)}\n"
                  f"{mod}-{p.version}.dist-info/METADATA,,\n{mod}-{p.version}.dist-info/RECORD,,\n")
        yield f"{SITE}/{mod}", None
        yield f"{SITE}/{mod}/__init__.py", code
        yield info, None
        yield f"{info}/METADATA", _metadata(p, rnd).encode()
        yield f"{info}/RECORD", record.encode()
        yield f"{info}/INSTALLER", b"pip\n"


def write_tree(entries, root: Path) -> None:
    for rel, data in entries:
        p = root / rel
        if data is None:
            p.mkdir(parents=True, exist_ok=True)
        else:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)


def tar_layer(entries, out: Path, *, level: int = 1) -> tuple[Path, str]:
    """A gzip layer of ``entries``; returns its path and diff_id (sha256 of the uncompressed tar)."""
    diff = hashlib.sha256()

    class Tee(io.RawIOBase):
        def __init__(self, gz):
            self.gz = gz

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:
            diff.update(b)
            return self.gz.write(b)

    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0,
                                               compresslevel=level) as gz:
        with tarfile.open(fileobj=Tee(gz), mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for rel, data in entries:
                info = tarfile.TarInfo(rel)
                info.mtime = 1700000000
                if data is None:
                    info.type, info.mode = tarfile.DIRTYPE, 0o755
                    tar.addfile(info)
                else:
                    info.size, info.mode = len(data), 0o644
                    tar.addfile(info, io.BytesIO(data))
    return out, "sha256:" + diff.hexdigest()


def image_archive(out: Path, name: str, layers: list[tuple[Path, str]]):
    """An OCI image archive written by shipit's own writer (as the images stage writes them)."""
    from shipit.images.layout import MT_LAYER_GZIP, Blob, Image, write_image_archive

    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["python3"]},
                         "rootfs": {"type": "layers", "diff_ids": [d for _, d in layers]}},
                        sort_keys=True).encode()
    blobs = []
    for path, _diff in layers:
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
        blobs.append(Blob({"mediaType": MT_LAYER_GZIP, "digest": "sha256:" + h.hexdigest(),
                           "size": path.stat().st_size}, path=path))
    return write_image_archive(out, Image(config=config, layers=blobs), annotations={}, ref_name=name,
                               mtime=1700000000)


def synthetic_image(out: Path, name: str, components: int, payload_mib: float, seed: int, work: Path):
    """An image whose SBOM has ``components`` components: an OS layer (dpkg) and a Python layer."""
    debs, pys = packages(*split(components), seed)
    entries = list(rootfs_entries(debs, pys, payload_mib, seed))
    os_part = [e for e in entries if not e[0].startswith("usr/local")]
    py_part = [e for e in entries if e[0].startswith("usr/local")]
    work.mkdir(parents=True, exist_ok=True)
    layers = [tar_layer(os_part, work / f"{name}-os.tar.gz"), tar_layer(py_part, work / f"{name}-py.tar.gz")]
    written = image_archive(out, name, layers)
    for path, _ in layers:
        path.unlink()
    return written


PASSWORD = "bench"
ROLES = ("architecture", "security", "operations")


def synthetic_release(tmp: Path, *, images: int, components: int, payload_mib: float, seed: int = 1,
                      signoffs: bool = True) -> tuple[Path, Path]:
    """A signed release of ``images`` images (SBOMs of ``components`` components each) cut by shipit's
    own stages (sbom, site, manifest, checksums, sign: provenance and SBOM attestations), plus sign-offs."""
    from rich.console import Console

    from shipit import capabilities
    from shipit.commands.release import release
    from shipit.core.artifacts import Kind
    from shipit.core.release import ReleaseOptions
    from shipit.core.runner import Stage
    from shipit.signing.keys import write_keypair

    priv, pub = write_keypair(tmp / "keys", "cosign", PASSWORD.encode())
    proj = tmp / "proj"
    proj.mkdir(parents=True)
    (proj / "shipit.yaml").write_text(
        "schema_version: 1\nproject:\n  name: bench\n  source_url: https://git.example.com/acme/bench\n"
        f"signing:\n  key: {priv}\nsite:\n  signoff:\n    roles: [{', '.join(ROLES)}]\n")

    class SyntheticImages(Stage):
        name = "images"

        def run(self, ctx) -> None:
            for i in range(images):
                name = f"svc-{i:02d}"
                rel = f"images/{name}.oci.tar"
                w = synthetic_image(ctx.path(rel), name, components, payload_mib, seed * 1000 + i, tmp / "work")
                ctx.artifacts.add(rel, Kind.IMAGE, name=name, manifest_digest=w.manifest_digest,
                                  config_digest=w.config_digest, layers=w.layers, platform=w.platform,
                                  tags=["1.0.0"], repository=f"registry.example.com/acme/{name}", builder="synthetic")

    os.environ["SHIPIT_KEY_PASSWORD"] = PASSWORD
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    stages = [SyntheticImages()] + [s for s in capabilities.stages() if s.name in ("sbom", "site", "manifest",
                                                                                  "checksums", "sign")]
    result = release(ReleaseOptions(version="1.0.0", config=proj / "shipit.yaml", output=tmp / "release"),
                     Console(stderr=True, quiet=True), stages=stages)
    rel = result.release_dir
    if signoffs:
        from shipit.site.signoff import sign_off

        for role in ROLES:
            sign_off(rel, role, f"{role} lead", "approve", priv, password=PASSWORD)
    return rel, pub


def tree_size(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)
