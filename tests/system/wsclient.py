"""A small WebSocket client (RFC 6455) on the standard library, enough to watch the live tally.

It reads in a background thread and keeps every text message, so a test waits for a condition on what
arrived instead of sleeping. Only what a watcher needs: the handshake, text frames, ping/pong and close.
"""

import base64
import contextlib
import hashlib
import json
import os
import socket
import struct
import threading
import time

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class HandshakeRefused(Exception):
    """The server answered the upgrade with something other than 101 (or closed the connection)."""


class WebSocket:
    def __init__(self, port: int, path: str, *, cookie: str = "", timeout: float = 10.0):
        self.port, self.path = port, path
        self.messages: list[dict] = []
        self.closed = False
        self._cond = threading.Condition()
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        try:
            self._handshake(cookie)
        except BaseException:
            self._sock.close()
            raise
        self._sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, name=f"ws-{port}", daemon=True)
        self._reader.start()

    # --- Handshake and frames ----------------------------------------------------------------------------------

    def _handshake(self, cookie: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: 127.0.0.1:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            # Channels' AllowedHostsOriginValidator refuses a socket without an Origin from an allowed host.
            f"Origin: http://127.0.0.1:{self.port}",
        ]
        if cookie:
            lines.append(f"Cookie: {cookie}")
        self._sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise HandshakeRefused(f"connection closed during the handshake: {head[:200]!r}")
            head += chunk
        head, self._buffer = head.split(b"\r\n\r\n", 1)
        status, *header_lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in f"{status} ":
            raise HandshakeRefused(status)
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in header_lines)}
        expected = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise HandshakeRefused("bad Sec-WebSocket-Accept")

    def _read_exact(self, n: int) -> bytes:
        while len(self._buffer) < n:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self._buffer += chunk
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _read_frame(self) -> tuple[bool, int, bytes]:
        first, second = self._read_exact(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exact(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exact(8))
        mask = self._read_exact(4) if second & 0x80 else b""
        payload = self._read_exact(length)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        return bool(first & 0x80), first & 0x0F, payload

    def _send_frame(self, opcode: int, payload: bytes = b"") -> None:
        # A client masks every frame it sends (RFC 6455 §5.3).
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        self._sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def _read_loop(self) -> None:
        parts: list[bytes] = []
        try:
            while True:
                fin, opcode, payload = self._read_frame()
                if opcode == 0x8:  # close
                    break
                if opcode == 0x9:  # ping
                    self._send_frame(0xA, payload)
                    continue
                if opcode in (0x1, 0x0):
                    parts.append(payload)
                    if fin:
                        message = json.loads(b"".join(parts).decode())
                        parts = []
                        with self._cond:
                            self.messages.append(message)
                            self._cond.notify_all()
        except (OSError, ConnectionError, ValueError):
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()

    # --- What a test uses ---------------------------------------------------------------------------------------

    def wait_for(self, condition, timeout: float, what: str = "a condition"):
        """Wait until condition(messages) is true; return the messages then. Fails after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not condition(self.messages):
                left = deadline - time.monotonic()
                if left <= 0:
                    last = self.messages[-1] if self.messages else None
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last message: {last}")
                self._cond.wait(min(left, 0.5))
            return list(self.messages)

    def first(self, timeout: float = 20.0) -> dict:
        return self.wait_for(bool, timeout, "the first message")[0]

    def wait_closed(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the socket to port {self.port} was still open after {timeout}s")
                self._cond.wait(min(left, 0.5))

    def close(self) -> None:
        if not self.closed:
            with contextlib.suppress(OSError):
                self._send_frame(0x8, struct.pack("!H", 1000))
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._reader.join(timeout=5)
