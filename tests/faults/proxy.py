"""A small faulty HTTP proxy for the registry tests: it forwards every request to a real registry on
127.0.0.1 and, for the requests that upload blobs, can answer 500 or 401 instead, or read half the body
and close the connection (a push cut off mid-way)."""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
from dataclasses import dataclass, field

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


@dataclass
class Fault:
    kind: str = "none"  # none | 500 | 401 | drop
    times: int | None = None  # how many matching requests fail (None: all of them)
    seen: int = 0  # matching requests so far
    failed: int = 0  # of which failed
    log: list[str] = field(default_factory=list)

    def hits(self) -> bool:
        self.seen += 1
        if self.kind == "none" or (self.times is not None and self.failed >= self.times):
            return False
        self.failed += 1
        return True


def uploads(method: str, path: str, kind: str, headers) -> bool:
    """The requests a fault applies to: those that start or carry a blob upload (for a dropped connection,
    only those with a body, so the push is cut off mid-way)."""
    if "/blobs/uploads/" not in path or method not in ("POST", "PATCH", "PUT"):
        return False
    if kind == "drop":
        return int(headers.get("Content-Length") or 0) > 0 or headers.get("Transfer-Encoding", "").lower() == "chunked"
    return True


class FaultyProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream
        self.fault = Fault()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    out = bytearray()
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return bytes(out)
                        out += self.rfile.read(size)
                        self.rfile.readline()
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _drop(self) -> None:
                """Read part of the body the client is sending, then hang up without an answer."""
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length // 2)
                else:  # chunked: the first chunk's size line and half of the chunk
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    self.rfile.read(size // 2)
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.connection.close()

            def _reply(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def _forward(self) -> None:
                fault = proxy.fault
                if uploads(self.command, self.path, fault.kind, self.headers) and fault.hits():
                    fault.log.append(f"{fault.kind} {self.command} {self.path.split('?')[0]}")
                    if fault.kind == "drop":
                        self._drop()
                        return
                    self._body()
                    if fault.kind == "401":
                        self._reply(401, {"WWW-Authenticate": 'Basic realm="faulty"',
                                          "Content-Type": "application/json"},
                                    b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}')
                    else:
                        self._reply(500, {"Content-Type": "application/json"},
                                    b'{"errors":[{"code":"UNKNOWN","message":"injected internal server error"}]}')
                    return
                body = self._body()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                if body or self.command in ("POST", "PUT", "PATCH"):
                    headers["Content-Length"] = str(len(body))
                host, port = proxy.upstream.split(":")
                conn = http.client.HTTPConnection(host, int(port), timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    self.send_response(resp.status, resp.reason)
                    for k, v in resp.getheaders():
                        if k.lower() not in HOP_BY_HOP and k.lower() != "content-length":
                            self.send_header(k, v)
                    length = resp.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
                    self.send_header("Content-Length", length or "0")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(data)
                finally:
                    conn.close()
                self.close_connection = True

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward  # noqa: N815

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def set(self, kind: str, times: int | None = None) -> Fault:
        self.fault = Fault(kind, times)
        return self.fault

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
