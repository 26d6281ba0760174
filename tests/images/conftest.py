"""Fixtures for the image tests: a busybox-static base imported with buildah (a tool shipit did not
write), private container stores, a podman Docker-API service, and Debian's docker-registry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, require_tool

SDE = 1700000000
CONTAINERS_CONF = """[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
[engine]
runtime = "runc"
"""


@pytest.fixture
def short_tmp():
    """A directory with a short path: conmon's sockets under a container store's runroot must fit
    the 108-byte unix socket limit, which pytest's tmp_path names can exceed (podman then hangs 20 s)."""
    path = Path(tempfile.mkdtemp(prefix="shipit-t-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def write_store(directory: Path, driver: str = "vfs") -> dict[str, str]:
    """A private container store + containers.conf (runc, fixed ulimits); returns the env vars.
    vfs works everywhere but copies every layer in full; overlay is the fast choice for big images."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "storage.conf").write_text(
        f'[storage]\ndriver = "{driver}"\ngraphroot = "{directory}/root"\nrunroot = "{directory}/run"\n')
    (directory / "containers.conf").write_text(CONTAINERS_CONF)
    return {"CONTAINERS_STORAGE_CONF": str(directory / "storage.conf"),
            "CONTAINERS_CONF": str(directory / "containers.conf")}


def run(cmd: list[str], env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def busybox_rootfs(root: Path) -> Path:
    """busybox-static with a few applet links and passwd/group."""
    (root / "bin").mkdir(parents=True)
    (root / "etc").mkdir()
    shutil.copy2(shutil.which("busybox") or "/bin/busybox", root / "bin" / "busybox")
    for applet in ("sh", "ls", "cat", "echo", "id", "stat", "false", "true", "chmod", "mkdir"):
        os.symlink("busybox", root / "bin" / applet)
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n")
    (root / "etc" / "group").write_text("root:x:0:\napp:x:1000:\n")
    return root


@pytest.fixture(scope="session")
def busybox_base(tmp_path_factory) -> dict[str, Path]:
    """The busybox base as an oci-archive and a docker-archive, imported with buildah from scratch."""
    require_tool("buildah", "busybox")
    tmp = tmp_path_factory.mktemp("busybox-base")
    env = write_store(tmp / "store")
    rootfs = busybox_rootfs(tmp / "rootfs")
    ctr = run(["buildah", "from", "scratch"], env).stdout.strip()
    run(["buildah", "copy", ctr, f"{rootfs}/", "/"], env)
    run(["buildah", "config", "--env", "PATH=/bin", "--cmd", "/bin/sh", ctr], env)
    run(["buildah", "commit", "--timestamp", str(SDE), "--rm", ctr, "localhost/busybox:test"], env)
    out = {"oci-archive": tmp / "busybox.oci-archive.tar", "docker-archive": tmp / "busybox.docker.tar",
           "oci-dir": tmp / "busybox-layout"}
    run(["buildah", "push", "localhost/busybox:test", f"oci-archive:{out['oci-archive']}"], env)
    run(["buildah", "push", "localhost/busybox:test", f"docker-archive:{out['docker-archive']}"], env)
    run(["buildah", "push", "localhost/busybox:test", f"oci:{out['oci-dir']}"], env)
    return out


# --- podman's Docker-compatible API ------------------------------------------------------------------


@pytest.fixture(scope="session")
def podman_service(tmp_path_factory, busybox_base):
    """``podman system service`` on a unix socket with a private store, the busybox base loaded."""
    require_tool("podman", "runc")
    tmp = Path(tempfile.mkdtemp(prefix="shipit-pd-", dir="/tmp"))  # short: see short_tmp
    env = write_store(tmp / "store")
    sock = tmp / "podman.sock"
    proc = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{sock}"],
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                            stderr=open(tmp / "service.log", "wb"))
    try:
        import docker

        deadline = time.monotonic() + 30
        while True:
            try:
                client = docker.DockerClient(base_url=f"unix://{sock}", timeout=10)
                client.ping()
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError("podman service did not start:\n"
                                         + (tmp / "service.log").read_text()) from None
                time.sleep(0.2)
        with open(busybox_base["docker-archive"], "rb") as fh:
            [image] = client.images.load(fh.read())
        image.tag("localhost/busybox", "test")
        client.close()
        yield {"DOCKER_HOST": f"unix://{sock}", **env}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


# --- docker-registry -----------------------------------------------------------------------------------


class Registry:
    def __init__(self, root: Path, htpasswd: tuple[str, str] | None = None):
        require_tool("docker-registry")
        self.root = root
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        config = {
            "version": 0.1,
            "log": {"level": "warn"},
            "storage": {"filesystem": {"rootdirectory": str(root / "data")}, "delete": {"enabled": True}},
            "http": {"addr": self.address},
        }
        if htpasswd:
            require_tool("htpasswd")
            line = run(["htpasswd", "-Bbn", *htpasswd]).stdout.strip()
            (root / "htpasswd").write_text(line + "\n")
            config["auth"] = {"htpasswd": {"realm": "shipit-test", "path": str(root / "htpasswd")}}
        (root / "config.yml").write_text(json.dumps(config))  # JSON is YAML
        self.log = open(root / "registry.log", "wb")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(root / "config.yml")],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        import requests

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://{self.address}/v2/", timeout=1)
                return
            except requests.RequestException:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise AssertionError("docker-registry did not start:\n" + (self.root / "registry.log").read_text())

    def tags(self, repo: str, auth=None) -> list[str]:
        import requests

        resp = requests.get(f"http://{self.address}/v2/{repo}/tags/list", auth=auth, timeout=10)
        if resp.status_code == 404:
            return []
        resp.raise_for_status()
        return sorted(resp.json().get("tags") or [])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    reg = Registry(tmp_path_factory.mktemp("registry"))
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory):
    reg = Registry(tmp_path_factory.mktemp("registry-auth"), htpasswd=("shipper", "s3cret-pw"))
    reg.credentials = ("shipper", "s3cret-pw")
    yield reg
    reg.stop()
