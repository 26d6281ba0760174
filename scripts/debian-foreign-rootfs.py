#!/usr/bin/env python3
"""Assemble a Debian root filesystem for a foreign architecture (e.g. arm64 on an amd64 machine) without
running any of its code, the way distroless images are made: the packages are unpacked (the data tar of
each .deb, as `dpkg-deb -x` does) and the dpkg database is written by hand. A reference root filesystem of
the same package set for the build machine's architecture (debootstrap's) supplies what maintainer
scripts would have created, where that is architecture-independent.

    debian-foreign-rootfs.py pick REF_ROOT AVAILABLE.txt         # name=version to download, one a line
    debian-foreign-rootfs.py unpack --ref REF_ROOT --arch arm64 ROOT DEB...
    debian-foreign-rootfs.py check --ref REF_ROOT --arch arm64 ROOT [MORE_DIR...]

`pick` reads `apt-cache show` output of the foreign architecture and chooses, for every package installed
in REF_ROOT, the same version (or the same source version rebuilt, `+bN`, when the binNMU differs).
`unpack` extracts the packages, merges /usr like debootstrap, writes var/lib/dpkg (status with each
package's control fields and `Status: install ok installed`, info/<pkg>[:<arch>].list, md5sums and the
other control members, Multi-Arch: same packages named <pkg>:<arch> as dpkg does) and replays the
reference's maintainer-script results (see `replay`). `check` verifies every ELF file (of ROOT and the
MORE_DIRs) is for ARCH and the package names equal the reference's.

Run on the reference's own architecture's .debs (`unpack --arch amd64 --no-replay`), `unpack` writes the
same var/lib/dpkg/status and info/ as debootstrap's dpkg, byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ELF_MACHINE = {"amd64": 62, "arm64": 183, "i386": 3, "armhf": 40, "ppc64el": 21, "s390x": 22, "riscv64": 243}
# Strings that mark a file as belonging to one architecture (searched in replayed files).
ARCH_MARKERS = {"amd64": (b"amd64", b"x86_64", b"x86-64"), "arm64": (b"arm64", b"aarch64")}
# dpkg's order of the fields it knows (lib/dpkg/parse.c fieldinfos); other fields follow in control order.
FIELD_ORDER = ["Package", "Essential", "Protected", "Status", "Priority", "Section", "Installed-Size", "Origin",
               "Maintainer", "Bugs", "Architecture", "Multi-Arch", "Source", "Version", "Config-Version",
               "Replaces", "Provides", "Depends", "Pre-Depends", "Recommends", "Suggests", "Breaks",
               "Conflicts", "Enhances", "Conffiles", "Filename", "Size", "MD5sum", "MSDOS-Filename",
               "Description", "Triggers-Pending", "Triggers-Awaited"]
MERGED_USR_DIRS = ("bin", "lib", "lib32", "lib64", "libo32", "libx32", "sbin")  # debootstrap's merge_usr
# Not replayed from the reference: written here (the dpkg database) or architecture-specific by nature.
NOT_REPLAYED = re.compile(r"^(var/lib/dpkg/(status|status-old|available|available-old|diversions-old|info)(/.*)?"
                          r"|etc/ld\.so\.cache|var/cache/ldconfig(/.*)?)$")
# Replayed files where a ":<ref arch>" package qualifier is rewritten (debconf's database lists owners).
QUALIFIER_REWRITE = re.compile(r"^var/cache/debconf/[^/]+\.dat(-old)?$")


def die(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    raise SystemExit(1)


def parse_deb822(text: str) -> list[list[tuple[str, str]]]:
    """Stanzas as ordered (field, value) lists; continuation lines stay in the value, newline-joined."""
    stanzas, cur = [], []
    for line in text.splitlines():
        if not line.strip():
            if cur:
                stanzas.append(cur)
            cur = []
        elif line[0] in " \t" and cur:
            cur[-1] = (cur[-1][0], cur[-1][1] + "\n" + line)
        else:
            name, _, value = line.partition(":")
            cur.append((name, value.strip()))
    if cur:
        stanzas.append(cur)
    return stanzas


def ref_packages(ref: Path) -> dict[str, dict[str, str]]:
    status = (ref / "var/lib/dpkg/status").read_text(encoding="utf-8")
    out = {}
    for st in parse_deb822(status):
        f = dict(st)
        if f.get("Status", "").endswith(" installed"):
            out[f["Package"]] = f
    if not out:
        die(f"{ref}/var/lib/dpkg/status: no installed packages")
    return out


def source_version(f: dict[str, str]) -> str:
    m = re.search(r"\(([^)]+)\)", f.get("Source", ""))
    return m.group(1) if m else re.sub(r"\+b\d+$", "", f["Version"])


def cmd_pick(args: argparse.Namespace) -> int:
    want = ref_packages(args.ref)
    avail: dict[str, list[dict[str, str]]] = {}
    for st in parse_deb822(args.available.read_text(encoding="utf-8")):
        f = dict(st)
        avail.setdefault(f["Package"], []).append(f)
    missing = []
    for name in sorted(want):
        ver = want[name]["Version"]
        cands = avail.get(name, [])
        exact = [c for c in cands if c["Version"] == ver]
        if exact:
            print(f"{name}={ver}")
            continue
        # A binNMU (+bN) is per architecture: accept the same source version rebuilt.
        same_src = [c for c in cands if source_version(c) == source_version(want[name])]
        if same_src:
            print(f"warning: {name} {ver} not available for this architecture; using {same_src[0]['Version']} "
                  f"(same source version)", file=sys.stderr)
            print(f"{name}={same_src[0]['Version']}")
        else:
            missing.append(f"{name}={ver} (available: {', '.join(c['Version'] for c in cands) or 'none'})")
    if missing:
        die("not in the mirror for this architecture:\n  " + "\n  ".join(missing) +
            "\nhint: the mirror moved on since the reference base was built; rebuild it (FORCE=1 make base)")
    return 0


def run(cmd: list[str], **kw) -> bytes:
    proc = subprocess.run(cmd, capture_output=True, check=False, **kw)
    if proc.returncode:
        die(f"{' '.join(cmd)}: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def list_path(member: str) -> str:
    """A data tar member name as dpkg records it in info/<pkg>.list ("./usr/bin/" -> "/usr/bin", "./" -> "/.")."""
    p = member.removeprefix("./").rstrip("/")
    return "/" + p if p not in ("", ".") else "/."


def merge_usr(root: Path) -> None:
    """Move /bin, /lib, /sbin, ... into /usr and leave symlinks, as debootstrap's merge_usr does."""
    def move(src: Path, dst: Path) -> None:
        if dst.is_dir() and not dst.is_symlink() and src.is_dir() and not src.is_symlink():
            for child in sorted(src.iterdir()):
                move(child, dst / child.name)
            src.rmdir()
        elif dst.exists() or dst.is_symlink():
            die(f"merged /usr: both {src} and {dst} exist")
        else:
            os.rename(src, dst)

    for d in MERGED_USR_DIRS:
        top = root / d
        if top.is_symlink() or not top.exists():
            continue
        (root / "usr" / d).mkdir(parents=True, exist_ok=True)
        move(top, root / "usr" / d)
        os.symlink(f"usr/{d}", top)


def resolve_in_root(root: Path, rel: str) -> str:
    """A package path with a top-level merged-/usr symlink resolved ("bin/sh" -> "usr/bin/sh")."""
    head, _, rest = rel.partition("/")
    if head in MERGED_USR_DIRS and (root / head).is_symlink():
        target = os.readlink(root / head)
        return f"{target}/{rest}" if rest else target
    return rel


def write_status_stanza(control: list[tuple[str, str]], conffiles: list[tuple[str, str]],
                        overrides: dict[str, str]) -> str:
    fields = [(k, overrides.get(k, v)) for k, v in control if k not in ("Status", "Conffiles")]
    fields.insert(1, ("Status", "install ok installed"))
    if conffiles:
        fields.append(("Conffiles", "".join(f"\n {p} {h}" for p, h in conffiles)))
    known = {k: i for i, k in enumerate(FIELD_ORDER)}
    ordered = sorted((f for f in fields if f[0] in known), key=lambda f: known[f[0]])
    ordered += [f for f in fields if f[0] not in known]
    return "".join(f"{k}: {v}\n" if not v.startswith("\n") else f"{k}:{v}\n" for k, v in ordered)


def cmd_unpack(args: argparse.Namespace) -> int:
    root: Path = args.root
    root.mkdir(parents=True, exist_ok=True)
    admin = root / "var/lib/dpkg"
    pkgs = []  # (name, control stanza, control members, data member names)
    owner: dict[str, str] = {}
    diversions = read_diversions(args.ref)
    ref_pkgs = ref_packages(args.ref)
    for deb in args.debs:
        ctrl_tar = run(["dpkg-deb", "--ctrl-tarfile", str(deb)])
        members = {}
        with tarfile.open(fileobj=io.BytesIO(ctrl_tar)) as tf:
            for m in tf.getmembers():
                if m.isfile():
                    members[m.name.removeprefix("./")] = (m.mode, tf.extractfile(m).read())
        control = parse_deb822(members.pop("control")[1].decode("utf-8"))[0]
        name = dict(control)["Package"]
        arch = dict(control)["Architecture"]
        if arch not in (args.arch, "all"):
            die(f"{deb}: Architecture {arch}, expected {args.arch} or all")
        data = deb.with_suffix(".data.tar")
        with open(data, "wb") as out:
            proc = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=out, stderr=subprocess.PIPE,
                                  check=False)
        if proc.returncode:
            die(f"{deb}: dpkg-deb --fsys-tarfile: {proc.stderr.decode(errors='replace').strip()}")
        with tarfile.open(data) as tf:
            names = [m.name for m in tf.getmembers()]
            files = [list_path(m.name) for m in tf.getmembers() if not m.isdir()]
        for p in files:
            if p in diversions and diversions[p] != name:
                die(f"{deb}: {p} is diverted by {diversions[p]} (diversions are not supported here)")
            if p in owner:
                die(f"{p} is shipped by both {owner[p]} and {name} (overlapping packages are not supported)")
            owner[p] = name
        # dpkg-deb -x is `tar -x -p`; numeric owners keep the package's uids/gids whatever this machine's
        # /etc/passwd says.
        run(["tar", "-x", "-p", "--same-owner", "--numeric-owner", "--warning=no-timestamp",
             "-f", str(data), "-C", str(root)])
        data.unlink()
        pkgs.append((name, control, members, names))

    merge_usr(root)

    info = admin / "info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "format").write_text("1\n")
    for d in ("updates", "triggers", "parts", "alternatives"):
        (admin / d).mkdir(exist_ok=True)
    stanzas = []
    for name, control, members, names in sorted(pkgs, key=lambda p: p[0]):
        f = dict(control)
        base = f"{name}:{f['Architecture']}" if f.get("Multi-Arch") == "same" else name
        lines = []
        seen = set()
        for n in names:
            p = list_path(n)
            if p not in seen:
                seen.add(p)
                lines.append(p)
        (info / f"{base}.list").write_text("".join(p + "\n" for p in lines), encoding="utf-8")
        for member, (mode, content) in sorted(members.items()):
            dst = info / f"{base}.{member}"
            dst.write_bytes(content)
            os.chmod(dst, mode & 0o777)
        conffiles = []
        for line in members.get("conffiles", (0, b""))[1].decode("utf-8").splitlines():
            parts = line.split()
            if not parts:
                continue
            path = parts[-1] if parts[0] != "remove-on-upgrade" else parts[1]
            phys = root / resolve_in_root(root, path.lstrip("/"))
            digest = hashlib.md5(phys.read_bytes()).hexdigest() if phys.is_file() else "newconffile"
            conffiles.append((path, digest))
        # Priority and Section are the archive's (its override file), not the architecture's; dpkg takes
        # them from the Packages index or the .deb depending on the order of its runs: keep the reference's.
        overrides = {k: ref_pkgs[name][k] for k in ("Priority", "Section") if k in ref_pkgs.get(name, {})}
        stanzas.append(write_status_stanza(control, conffiles, overrides))
    (admin / "status").write_text("\n".join(stanzas) + "\n", encoding="utf-8")
    (admin / "available").write_text("")

    if not args.no_replay:
        replay(args.ref, root, args.ref_arch, args.arch)
    return 0


def read_diversions(ref: Path) -> dict[str, str]:
    p = ref / "var/lib/dpkg/diversions"
    lines = p.read_text().splitlines() if p.exists() else []
    return {lines[i]: lines[i + 2] for i in range(0, len(lines) - 2, 3)}


def owned_paths(ref: Path) -> set[str]:
    """Every path the reference's packages ship, relative, with merged-/usr symlinks resolved."""
    owned = set()
    for lst in (ref / "var/lib/dpkg/info").glob("*.list"):
        for line in lst.read_text(encoding="utf-8").splitlines():
            if line and line != "/.":
                owned.add(resolve_in_root(ref, line.lstrip("/")))
    for lines in [(ref / "var/lib/dpkg/diversions").read_text().splitlines()
                  if (ref / "var/lib/dpkg/diversions").exists() else []]:
        owned.update(resolve_in_root(ref, lines[i + 1].lstrip("/")) for i in range(0, len(lines) - 2, 3))
    return owned


def replay(ref: Path, root: Path, ref_arch: str, arch: str) -> None:
    """Copy what the reference's maintainer scripts (and debootstrap) created and no package ships:
    /etc/passwd and group (base-passwd), alternatives symlinks, /etc/localtime (tzdata), /usr/local,
    /var/mail, debconf's database, /var/run -> /run... Architecture-independent by construction; an ELF
    file or a reference-architecture string in what would be copied stops the build."""
    owned = owned_paths(ref)
    markers = ARCH_MARKERS.get(ref_arch, (ref_arch.encode(),)) if ref_arch != arch else ()
    copied, adjusted = [], []
    for dirpath, dirnames, filenames in os.walk(ref):
        dirnames.sort()
        rel_dir = os.path.relpath(dirpath, ref)
        for entry in sorted(dirnames + filenames):
            rel = entry if rel_dir == "." else f"{rel_dir}/{entry}"
            src, dst = ref / rel, root / rel
            if NOT_REPLAYED.match(rel) or rel in MERGED_USR_DIRS:  # merge_usr made the target's own
                continue
            if rel in owned:
                # A package path the scripts turned into a symlink (base-files: /var/run -> /run).
                if src.is_symlink() and dst.is_dir() and not dst.is_symlink() and not any(dst.iterdir()):
                    dst.rmdir()
                    os.symlink(os.readlink(src), dst)
                    adjusted.append(rel)
                continue
            if dst.exists() or dst.is_symlink():
                continue
            if src.is_symlink():
                target = os.readlink(src)
                if any(m.decode() in target for m in markers):
                    die(f"{src}: symlink to {target} names the reference architecture")
                os.symlink(target, dst)
            elif src.is_dir():
                dst.mkdir()
                shutil.copystat(src, dst)
            elif src.is_file():
                data = src.read_bytes()
                if data[:4] == b"\x7fELF":
                    die(f"{src}: an ELF file no package ships (made by a maintainer script?); cannot replay it")
                if QUALIFIER_REWRITE.match(rel):
                    data = data.replace(f":{ref_arch}\n".encode(), f":{arch}\n".encode()).replace(
                        f":{ref_arch},".encode(), f":{arch},".encode())
                hit = next((m for m in markers if m in data), None)
                if hit:
                    die(f"{src}: contains {hit.decode()!r} (architecture-specific); cannot replay it")
                dst.write_bytes(data)
                shutil.copystat(src, dst)
            else:
                continue
            st = src.lstat()
            os.lchown(dst, st.st_uid, st.st_gid)
            if not src.is_symlink():
                os.chmod(dst, st.st_mode & 0o7777)
            copied.append(rel)
    print(f"replayed {len(copied)} paths from the reference root (maintainer scripts' and debootstrap's "
          f"results), {len(adjusted)} turned into symlinks: {', '.join(adjusted) or '-'}")


def elf_machine(path: Path) -> int | None:
    with open(path, "rb") as fh:
        head = fh.read(20)
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    return int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")


def cmd_check(args: argparse.Namespace) -> int:
    want = ELF_MACHINE[args.arch]
    elves, wrong = 0, []
    for dirpath, _, filenames in (w for top in [args.root, *args.also] for w in os.walk(top)):
        for fn in filenames:
            p = Path(dirpath, fn)
            if p.is_symlink() or not p.is_file():
                continue
            m = elf_machine(p)
            if m is None:
                continue
            elves += 1
            if m != want:
                wrong.append(f"{p} (e_machine {m})")
    ref = set(ref_packages(args.ref))
    got = ref_packages(args.root)
    problems = []
    if wrong:
        problems.append(f"{len(wrong)} ELF files are not {args.arch}: " + ", ".join(wrong[:10]))
    if set(got) != ref:
        problems.append(f"package names differ: only in the reference {sorted(ref - set(got))}, "
                        f"only here {sorted(set(got) - ref)}")
    bad_arch = sorted(n for n, f in got.items() if f["Architecture"] not in (args.arch, "all"))
    if bad_arch:
        problems.append(f"packages with another Architecture: {bad_arch}")
    if problems:
        die("\n  ".join([f"{args.root}:"] + problems))
    n_all = sum(1 for f in got.values() if f["Architecture"] == "all")
    print(f"check: {elves} ELF files, all {args.arch} (e_machine {want}); {len(got)} packages "
          f"({len(got) - n_all} {args.arch}, {n_all} all), the same names as the reference")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pick")
    p.add_argument("ref", type=Path)
    p.add_argument("available", type=Path)
    u = sub.add_parser("unpack")
    u.add_argument("--ref", type=Path, required=True)
    u.add_argument("--ref-arch", default="amd64")
    u.add_argument("--arch", required=True)
    u.add_argument("--no-replay", action="store_true", help="only the packages and the dpkg database")
    u.add_argument("root", type=Path)
    u.add_argument("debs", type=Path, nargs="+")
    c = sub.add_parser("check")
    c.add_argument("--ref", type=Path, required=True)
    c.add_argument("--arch", required=True)
    c.add_argument("root", type=Path)
    c.add_argument("also", type=Path, nargs="*", help="more directories whose ELF files are checked")
    args = ap.parse_args(argv)
    return {"pick": cmd_pick, "unpack": cmd_unpack, "check": cmd_check}[args.cmd](args)


if __name__ == "__main__":
    raise SystemExit(main())
