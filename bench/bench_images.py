"""Image builds: the native layer builder against `tar --sort=name | gzip -6`, a cached rebuild against
the first build, and podman (Docker API) / buildah / native build times of a small image.

    python bench/bench_images.py [--size-mib 200] [--runs 3] [--no-engines]

Every native run starts with an empty layer cache except the "cached" row.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import median_of, table  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
SDE = 1700000000

NATIVE = """
import sys, tempfile
from pathlib import Path
from shipit.images.config import LayerConfig
from shipit.images.oci import LayerCache, layer_entries
cache = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="shipit-bench-cache-")
layer = LayerConfig(src=sys.argv[1], dest="/app")
LayerCache(Path(cache)).layer(layer_entries(layer, Path("/")), 1700000000)
"""


NATIVE_IMAGE = """
import sys, tempfile
from pathlib import Path
from shipit.images.build import build_image
from shipit.images.config import ImageConfig
from shipit.images.oci import LayerCache, OciBuilder
image = ImageConfig(name="bench", base=sys.argv[1], layers=[{"src": sys.argv[2] + "/app", "dest": "/app"}],
                    cmd=["cat", "/app/f0.txt"])
builder = OciBuilder(LayerCache(Path(tempfile.mkdtemp(prefix="shipit-bench-cache-"))))
build_image(image, project_dir=Path("/"), out=Path(sys.argv[3]), source_date_epoch=1700000000,
            annotations={}, tags=["1"], log=lambda _l: None, builder=builder)
"""


def make_tree(root: Path, size_mib: int) -> int:
    """A source-tree-like mix: 60% text-ish (compressible), 40% random bytes, files of 4 KiB..1 MiB."""
    rnd = os.urandom(1 << 20)
    words = b" ".join(b"def function_%d(arg): return arg * %d  # comment\n" % (i, i) for i in range(20000))
    total, i = 0, 0
    target = size_mib << 20
    while total < target:
        d = root / f"pkg{i % 40:02d}" / f"sub{i % 7}"
        d.mkdir(parents=True, exist_ok=True)
        size = 4096 + (i * 7919 % (1 << 20))
        data = (rnd if i % 5 < 2 else words)[:size]
        (d / f"module_{i:05d}.py").write_bytes(data)
        total += len(data)
        i += 1
    return total


def bench_layers(size_mib: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="shipit-bench-") as tmp:
        root = Path(tmp) / "tree"
        root.mkdir()
        total = make_tree(root, size_mib)
        env = {**os.environ, "PYTHONPATH": str(SRC)}
        tar_cmd = ["sh", "-c", f"tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@{SDE} -C {root} "
                               f"-cf - . | gzip -6 > {tmp}/layer.tar.gz"]
        cold = [sys.executable, "-c", NATIVE, str(root)]
        warm_cache = Path(tmp) / "warm-cache"
        warm = [sys.executable, "-c", NATIVE, str(root), str(warm_cache)]
        subprocess.run(warm, env=env, check=True)  # fill the cache once
        rows = [
            ("tar --sort=name | gzip -6", *median_of(tar_cmd, runs)),
            ("shipit native layer (cold cache)", *median_of(cold, runs, env=env)),
            ("shipit native layer (cached)", *median_of(warm, runs, env=env)),
        ]
        for p in Path(tempfile.gettempdir()).glob("shipit-bench-cache-*"):
            shutil.rmtree(p, ignore_errors=True)
        print(table(f"layer of a {total / 2**20:.0f} MiB tree, median of {runs} runs, {os.cpu_count()} cores",
                    rows, "tar --sort=name | gzip -6"))
        cold_row, warm_row = rows[1], rows[2]
        print(f"cached rebuild vs first build: {warm_row[1] / cold_row[1]:.2f}x wall")


DOCKERFILE = """FROM {base}
COPY app /app
RUN echo built > /app/built.txt
CMD ["cat", "/app/built.txt"]
"""


def bench_engines(runs: int) -> None:
    missing = [t for t in ("podman", "buildah", "busybox", "runc") if shutil.which(t) is None]
    if missing:
        print(f"engines: skipped ({', '.join(missing)} not installed)")
        return
    import docker

    tmp = Path(tempfile.mkdtemp(prefix="sb-", dir="/tmp"))  # short: conmon socket paths
    try:
        conf = tmp / "containers.conf"
        conf.write_text('[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]\n'
                        '[engine]\nruntime = "runc"\n')

        def store(name: str) -> dict[str, str]:
            (tmp / name).mkdir()
            (tmp / name / "storage.conf").write_text(f'[storage]\ndriver = "vfs"\ngraphroot = "{tmp}/{name}/root"\n'
                                                     f'runroot = "{tmp}/{name}/run"\n')
            return {**os.environ, "CONTAINERS_CONF": str(conf),
                    "CONTAINERS_STORAGE_CONF": str(tmp / name / "storage.conf")}

        # busybox base, imported with buildah
        rootfs = tmp / "rootfs"
        (rootfs / "bin").mkdir(parents=True)
        shutil.copy2(shutil.which("busybox"), rootfs / "bin" / "busybox")
        for a in ("sh", "echo", "cat"):
            os.symlink("busybox", rootfs / "bin" / a)
        env_b = store("base")
        ctr = subprocess.run(["buildah", "from", "scratch"], env=env_b, capture_output=True, text=True,
                             check=True).stdout.strip()
        subprocess.run(["buildah", "copy", ctr, f"{rootfs}/", "/"], env=env_b, check=True, capture_output=True)
        subprocess.run(["buildah", "commit", "--rm", ctr, "localhost/busybox:bench"], env=env_b, check=True,
                       capture_output=True)
        base_tar = tmp / "busybox.tar"
        subprocess.run(["buildah", "push", "localhost/busybox:bench", f"docker-archive:{base_tar}"], env=env_b,
                       check=True, capture_output=True)
        ctx = tmp / "ctx"
        (ctx / "app").mkdir(parents=True)
        for i in range(50):
            (ctx / "app" / f"f{i}.txt").write_text(f"file {i}\n" * 100)
        (ctx / "Dockerfile").write_text(DOCKERFILE.format(base="localhost/busybox:bench"))

        # podman's Docker API
        env_p = store("podman")
        sock = tmp / "p.sock"
        svc = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{sock}"], env=env_p,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                if sock.exists():
                    break
                time.sleep(0.1)
            client = docker.DockerClient(base_url=f"unix://{sock}", timeout=120)
            client.images.load(base_tar.read_bytes())
            podman_times = []
            for n in range(runs + 1):
                start = time.perf_counter()
                for _chunk in client.api.build(path=str(ctx), tag=f"localhost/bench:{n}", rm=True, decode=True,
                                               nocache=True):
                    pass
                podman_times.append(time.perf_counter() - start)
            client.close()
        finally:
            svc.terminate()
            svc.wait(timeout=30)

        env_bb = store("buildah")
        subprocess.run(["buildah", "pull", f"docker-archive:{base_tar}"], env=env_bb, check=True, capture_output=True)
        subprocess.run(["buildah", "tag", subprocess.run(["buildah", "images", "-q"], env=env_bb, capture_output=True,
                                                          text=True).stdout.split()[0], "localhost/busybox:bench"],
                       env=env_bb, check=True, capture_output=True)
        buildah_cmd = ["buildah", "bud", "--isolation", "chroot", "--timestamp", str(SDE), "--layers=false",
                       "-q", "-t", "localhost/bench:b", str(ctx)]
        import statistics
        native_cmd = [sys.executable, "-c", NATIVE_IMAGE, str(base_tar), str(ctx), str(tmp / "native.oci.tar")]
        rows = [
            ("podman (Docker API, vfs)", statistics.median(podman_times[1:]), 0.0),
            ("buildah bud (chroot, vfs)", *median_of(buildah_cmd, runs, env=env_bb)),
            ("shipit oci builder (no RUN step)", *median_of(native_cmd, runs,
                                                            env={**os.environ, "PYTHONPATH": str(SRC)})),
        ]
        lines = [f"small image (busybox + COPY 50 files + RUN), median of {runs} runs",
                 f"{'builder':<34} {'wall s':>8} {'ratio':>8}"]
        for name, wall, _cpu in rows:
            lines.append(f"{name:<34} {wall:8.3f} {wall / rows[0][1]:7.2f}x")
        lines.append("(ratios relative to podman; CPU of the podman service is not attributable per build;\n"
                     " the oci builder cannot run RUN steps, it copies the files and writes the image)")
        print("\n".join(lines))
        for p in Path(tempfile.gettempdir()).glob("shipit-bench-cache-*"):
            shutil.rmtree(p, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mib", type=int, default=200)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-engines", action="store_true", help="skip the podman/buildah comparison")
    args = ap.parse_args()
    bench_layers(args.size_mib, args.runs)
    if not args.no_engines:
        bench_engines(args.runs)


if __name__ == "__main__":
    main()
