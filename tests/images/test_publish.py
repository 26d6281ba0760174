"""`shipit publish` and the publish stage against Debian's docker-registry (open and htpasswd)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.conftest import free_port, require_tool, run_shipit, shipit_env
from tests.images.conftest import run

pytestmark = pytest.mark.xdist_group("registry")


def cut(make_project, tmp_path: Path, repository: str, version: str = "3.1.0", *args: str,
        insecure: bool = True, env: dict | None = None, log: list | None = None) -> Path:
    cfg = f"""schema_version: 1
project:
  name: pub
images:
  - name: pub
    repository: {repository}
    builder: oci
    insecure: {str(insecure).lower()}
    layers:
      - {{src: payload, dest: /srv/payload}}
"""
    # make_project writes into the test's own tmp_path/proj: commit only the first time
    first = not getattr(make_project, "made", False)
    proj = make_project(cfg, {"payload/data.txt": f"payload for {repository}\n"}, git=first)
    make_project.made = True
    proc = run_shipit("release", "--version", version, "--config", str(proj / "shipit.yaml"), "--output",
                      str(tmp_path / "out"), *args, env=shipit_env(SHIPIT_CACHE_DIR=str(tmp_path / "cache"),
                                                                   **(env or {})))
    assert proc.returncode == 0, proc.stderr
    if log is not None:
        log.append(proc.stderr)
    [release_dir] = [p for p in (tmp_path / "out").iterdir() if p.name.startswith(version)]
    return release_dir


def image_extra(release_dir: Path) -> dict:
    manifest = json.loads((release_dir / "manifest.json").read_text())
    return next(a["extra"] for a in manifest["artifacts"] if a["kind"] == "image")


def publish(release_dir: Path, tmp_path: Path, *args: str, **env: str):
    # HOME in tmp: no auth file of the machine interferes
    base = {"HOME": str(tmp_path / "home"), "REGISTRY_AUTH_FILE": str(tmp_path / "home" / "none.json")}
    return run_shipit("publish", str(release_dir), *args, env=shipit_env(**{**base, **env}))


def test_publish_to_open_registry(make_project, tmp_path, registry):
    require_tool("skopeo")
    rel = cut(make_project, tmp_path, f"{registry.address}/acme/pub")
    extra = image_extra(rel)
    unknown = publish(rel, tmp_path, "--insecure", "--image", "nope")
    assert unknown.returncode == 1 and "no image named 'nope'" in unknown.stderr
    proc = publish(rel, tmp_path, "--insecure", "--image", "pub")
    assert proc.returncode == 0, proc.stderr
    assert extra["manifest_digest"] in proc.stdout and "published" in proc.stdout
    assert registry.tags("acme/pub") == sorted(extra["tags"])
    for tag in extra["tags"]:
        inspect = json.loads(run(["skopeo", "inspect", "--tls-verify=false",
                                  f"docker://{registry.address}/acme/pub:{tag}"]).stdout)
        assert inspect["Digest"] == extra["manifest_digest"]


def test_htpasswd_registry_needs_credentials(make_project, tmp_path, auth_registry):
    require_tool("skopeo")
    repo = f"{auth_registry.address}/acme/secure"
    rel = cut(make_project, tmp_path, repo)
    extra = image_extra(rel)

    anonymous = publish(rel, tmp_path, "--insecure")
    assert anonymous.returncode == 1
    assert "refused" in anonymous.stderr and "SHIPIT_REGISTRY_USERNAME" in anonymous.stderr
    assert anonymous.stdout == ""  # nothing reported published
    wrong = publish(rel, tmp_path, "--insecure", SHIPIT_REGISTRY_USERNAME="shipper",
                    SHIPIT_REGISTRY_PASSWORD="wrong")
    assert wrong.returncode == 1 and "refused" in wrong.stderr and wrong.stdout == ""
    assert auth_registry.tags("acme/secure", auth=auth_registry.credentials) == []

    user, password = auth_registry.credentials
    ok = publish(rel, tmp_path, "--insecure", SHIPIT_REGISTRY_USERNAME=user, SHIPIT_REGISTRY_PASSWORD=password)
    assert ok.returncode == 0, ok.stderr
    assert password not in ok.stdout + ok.stderr
    assert auth_registry.tags("acme/secure", auth=auth_registry.credentials) == sorted(extra["tags"])


def test_credentials_from_auth_file(make_project, tmp_path, auth_registry):
    require_tool("skopeo")
    rel = cut(make_project, tmp_path, f"{auth_registry.address}/acme/from-file")
    user, password = auth_registry.credentials
    authfile = tmp_path / "auth.json"
    authfile.write_text(json.dumps({"auths": {auth_registry.address: {
        "auth": base64.b64encode(f"{user}:{password}".encode()).decode()}}}))
    proc = run_shipit("-v", "publish", str(rel), "--insecure",
                      env=shipit_env(HOME=str(tmp_path / "home"), REGISTRY_AUTH_FILE=str(authfile)))
    assert proc.returncode == 0, proc.stderr
    assert f"credentials from {authfile}" in proc.stderr.replace("\n", "")
    assert auth_registry.tags("acme/from-file", auth=auth_registry.credentials) == sorted(image_extra(rel)["tags"])


def test_registry_down_is_retried_then_fails(make_project, tmp_path):
    require_tool("skopeo")
    rel = cut(make_project, tmp_path, f"127.0.0.1:{free_port()}/acme/nowhere")
    proc = publish(rel, tmp_path, "--insecure", "--retries", "1")
    assert proc.returncode == 1
    assert "gave up after 2 attempts" in proc.stderr and "connection refused" in proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr


def test_modified_archive_is_not_pushed(make_project, tmp_path, registry):
    rel = cut(make_project, tmp_path, f"{registry.address}/acme/tampered")
    archive = rel / "images" / "pub.oci.tar"
    data = bytearray(archive.read_bytes())
    data[-2000] ^= 0x01
    archive.write_bytes(bytes(data))
    proc = publish(rel, tmp_path, "--insecure")
    assert proc.returncode == 1 and "archive was modified" in proc.stderr
    assert registry.tags("acme/tampered") == []


def test_release_publish_stage(make_project, tmp_path, registry):
    require_tool("skopeo")
    log: list[str] = []
    cut(make_project, tmp_path / "snap", f"{registry.address}/acme/staged", "3.2.0", "--snapshot", "--publish",
        log=log)
    assert registry.tags("acme/staged") == []  # snapshots are never published
    assert "publish      skipped: snapshot releases are never published" in log[0]
    rel = cut(make_project, tmp_path / "real", f"{registry.address}/acme/staged", "3.2.0", "--publish", log=log)
    extra = image_extra(rel)
    assert registry.tags("acme/staged") == sorted(extra["tags"])
    assert f"published {registry.address}/acme/staged:3.2.0 {extra['manifest_digest']}" in log[1]


def test_publish_stage_failure_fails_the_release(make_project, tmp_path):
    require_tool("skopeo")
    cfg = f"""schema_version: 1
project:
  name: pub
images:
  - name: pub
    repository: 127.0.0.1:{free_port()}/acme/down
    builder: oci
    insecure: true
    layers: [{{src: payload, dest: /srv}}]
"""
    proj = make_project(cfg, {"payload/x": "x"})
    proc = run_shipit("release", "--version", "1.0.0", "--config", str(proj / "shipit.yaml"), "--output",
                      str(tmp_path / "out"), "--publish",
                      env=shipit_env(SHIPIT_CACHE_DIR=str(tmp_path / "cache"), HOME=str(tmp_path)))
    assert proc.returncode == 1
    assert "stage 'publish' failed" in proc.stderr and "gave up after 4 attempts" in proc.stderr
    assert "  published " not in proc.stderr
    assert not (tmp_path / "out" / "1.0.0").exists()


class _Flaky:
    """A tiny HTTP server on 127.0.0.1 that answers 503 (or drops the connection) a few times first."""

    def __init__(self, failures: int, digest: str, drop: bool = False):
        import http.server
        import threading

        state = {"count": 0}
        self.state = state

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *_args):
                pass

            def _answer(self, body: bool) -> None:
                state["count"] += 1
                if state["count"] <= failures:
                    if drop:
                        self.close_connection = True
                        self.connection.close()
                        return
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Docker-Content-Digest", digest)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_HEAD(self):  # noqa: N802
                self._answer(False)

            def do_GET(self):  # noqa: N802
                self._answer(True)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("drop", [False, True], ids=["503", "dropped-connection"])
def test_digest_check_retries_transient_failures(drop):
    from shipit.images.publish import Target, _with_retries, registry_digest

    digest = "sha256:" + "ab" * 32
    server = _Flaky(failures=2, digest=digest, drop=drop)
    try:
        target = Target("x", Path("/dev/null"), f"{server.address}/acme/x", "1", digest)
        notes: list[str] = []
        got = _with_retries(lambda: registry_digest(target, insecure=True, creds=None), "check", 3, 0.01,
                            notes.append)
        assert got == digest and server.state["count"] == 3 and len(notes) == 2
    finally:
        server.stop()


def test_push_gives_up_on_persistent_503(make_project, tmp_path):
    require_tool("skopeo")
    server = _Flaky(failures=10**6, digest="")
    try:
        rel = cut(make_project, tmp_path, f"{server.address}/acme/flaky")
        proc = publish(rel, tmp_path, "--insecure", "--retries", "1")
        assert proc.returncode == 1
        assert "gave up after 2 attempts" in proc.stderr and "503" in proc.stderr
        assert proc.stdout == ""
    finally:
        server.stop()
