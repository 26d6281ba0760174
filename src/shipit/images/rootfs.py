"""Turn plain root filesystem tars into an OCI image layout directory (used to import a local base
image, e.g. the Debian base of scripts/build-debian-base.sh).

The tars are taken as they are (GNU tar keeps owners, modes, setuid bits, hardlinks), gzipped through
the content-addressed layer cache, and described by a config and manifest.

    python3 -m shipit.images.rootfs OUT_DIR LAYER.tar [LAYER.tar ...] --env PATH=... --cmd python3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from shipit.images.layout import Image, json_bytes, write_layout_dir
from shipit.images.oci import LayerCache


def import_layers(out: Path, layers: list[Path], *, env: list[str], cmd: list[str], created: int,
                  ref_name: str, platform: str = "linux/amd64") -> str:
    cache = LayerCache()
    blobs = [cache.compress_tar(p) for p in layers]
    stamp = datetime.fromtimestamp(created, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    os_, arch = platform.split("/")[:2]
    config = {
        "created": stamp, "architecture": arch, "os": os_,
        "config": {k: v for k, v in (("Env", env), ("Cmd", cmd)) if v},
        "rootfs": {"type": "layers", "diff_ids": [b.descriptor["diff_id"] for b in blobs]},
        "history": [{"created": stamp, "created_by": f"shipit rootfs import: {p.name}"} for p in layers],
    }
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    digest = write_layout_dir(tmp, Image(config=json_bytes(config), layers=blobs),
                              annotations={"org.opencontainers.image.created": stamp}, ref_name=ref_name)
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return digest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("layers", type=Path, nargs="+")
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--cmd", default="", help="JSON list or a single word")
    ap.add_argument("--ref", default="latest")
    ap.add_argument("--created", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    args = ap.parse_args(argv)
    cmd = json.loads(args.cmd) if args.cmd.startswith("[") else ([args.cmd] if args.cmd else [])
    digest = import_layers(args.out, args.layers, env=args.env, cmd=cmd, created=args.created, ref_name=args.ref)
    print(f"{args.out}: {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
