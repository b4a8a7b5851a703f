"""Local fakes of outside services' HTTP APIs, for tests that go through the real client libraries: each is a real
HTTP server on 127.0.0.1 (a free port) in a thread of the test process."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class FakeServer:
    """Subclasses answer `handle(method, path, query, headers, body) -> (status, content_type, body bytes)`."""

    def __init__(self):
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeServer":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # One request a connection: a stopped fake then leaves no kept-alive connection that still answers.
            protocol_version = "HTTP/1.0"

            def _answer(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with fake.lock:
                    status, content_type, payload = fake.handle(
                        self.command, parts.path, dict(parse_qsl(parts.query)), self.headers, body
                    )
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _answer

            def log_message(self, *args):  # quiet: pytest shows what a test asserts
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Closes the port: a client then meets a refused connection, as when the provider cannot be reached."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def handle(self, method, path, query, headers, body) -> tuple[int, str, bytes]:
        raise NotImplementedError


def as_json(status: int, answer, content_type: str = "application/json") -> tuple[int, str, bytes]:
    return status, content_type, json.dumps(answer, ensure_ascii=False).encode()
