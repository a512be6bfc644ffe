"""Threaded HTTP/1.1 (keep-alive) serving on loopback, plain or TLS, in a background thread.

Standard library ``http.server``: one thread per connection, persistent connections, every
response with ``Content-Length``. A request the fault engine marked ``drop`` is carried out and
then the connection is cut inside the status line (docs/failures.md#t14, docs/failures.md#t16).
"""
from __future__ import annotations

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from connectors.sandbox.http_types import Request

if TYPE_CHECKING:
    from connectors.sandbox.app import Sandbox


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "samtal-sandbox"
    sys_version = ""
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no request logging
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, path, query, headers, body, self.server.base_url)
        response, drop = self.server.sandbox.handle(req)
        payload, content_type = response.encoded()
        if drop:
            self.wfile.write(b"HTTP/1.1 2")  # cut inside the status line: the client sees a broken connection
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() != "content-type":
                self.send_header(name, value)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    sandbox: Sandbox
    base_url: str
    tls: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is not None:  # TLS handshake in the connection's own thread
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().finish_request(request, client_address)


class Server:
    """A running sandbox; use as a context manager or call :meth:`close`."""

    def __init__(self, sandbox: Sandbox, host: str, port: int, *, https: bool) -> None:
        self._httpd = _HTTPServer((host, port), _Handler)
        self._tls_dir = None
        self.ca_file: str | None = None
        if https:
            from connectors.sandbox.tls import server_context

            context, cert, self._tls_dir = server_context()
            self._httpd.tls = context
            self.ca_file = str(cert)
        self.port = int(self._httpd.server_address[1])
        scheme = "https" if https else "http"
        self.url = f"{scheme}://{host}:{self.port}"
        self.graph_url = self.url + "/v1.0"
        self._httpd.sandbox = sandbox
        self._httpd.base_url = self.url
        self.sandbox = sandbox
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"sandbox-{self.port}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None

    def __enter__(self) -> Server:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def ca_path(self) -> Path | None:
        return Path(self.ca_file) if self.ca_file else None
