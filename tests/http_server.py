"""A local HTTP file server for download tests: 127.0.0.1 only, never the internet.

The ``file_server`` fixture is re-exported by ``tests/conftest.py`` for every test folder.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class FileServer:
    """Serves ``files`` (URL path -> bytes) on 127.0.0.1 and records every request.

    cut_after : on the first GET, announce the full length but send only this many bytes and close
        the connection (a dropped download).
    ignore_range : answer every GET with 200 and the whole file, as servers without range support do.
    log : (path, Range header or None, status) per request, in order.
    """

    port: int = 0
    files: dict[str, bytes] = field(default_factory=dict)
    cut_after: int | None = None
    ignore_range: bool = False
    log: list[tuple[str, str | None, int]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler(state: FileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = state.files.get(self.path)
            rng = self.headers.get("Range")
            if data is None:
                return self._reply(404, b"not found", rng)
            match = re.fullmatch(r"bytes=(\d+)-", rng or "")
            if match and not state.ignore_range:
                start = int(match.group(1))
                if start >= len(data):
                    return self._reply(416, b"", rng, {"Content-Range": f"bytes */{len(data)}"})
                crange = f"bytes {start}-{len(data) - 1}/{len(data)}"
                return self._reply(206, data[start:], rng, {"Content-Range": crange})
            return self._reply(200, data, rng)

        def _reply(self, status: int, body: bytes, rng: str | None, headers: dict | None = None) -> None:
            first = not state.log
            state.log.append((self.path, rng, status))
            self.send_response(status)
            for key, value in {**(headers or {}), "Content-Length": str(len(body))}.items():
                self.send_header(key, value)
            self.end_headers()
            if first and state.cut_after is not None:
                body = body[: state.cut_after]  # then the connection closes: HTTP/1.0
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    return Handler


@pytest.fixture
def file_server() -> Iterator[FileServer]:
    state = FileServer()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
