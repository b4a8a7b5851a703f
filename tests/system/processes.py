"""Real server processes for the system tests: daphne serving Gongyi, the task queue's worker, a private redis-server.

Every process is started in its own session and always ended by the fixture that started it, by its id.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port nothing listens on right now (the kernel's choice; a server that loses the race is retried)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, timeout: float, what: str, interval: float = 0.1):
    """Poll condition() until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.settimeout(5)
            sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            return sock.recv(16).startswith(b"HTTP/1.1 ")
    except OSError:
        return False


def _end(proc: subprocess.Popen, sig: int, timeout: float) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Daphne:
    """One daphne process serving config.asgi:application on 127.0.0.1; its stdout and stderr go to `log`."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name, self.env = name, env
        self.log = log_dir / f"daphne-{name}.log"
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def spawn(self) -> None:
        self.port = free_port()
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not _answers(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne {self.name} exited with {self.proc.returncode}:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"daphne {self.name} did not answer within {timeout}s:\n{self.log_tail()}")
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: the process dies at once, its sockets closed by the kernel, nothing cleaned up."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc:
            _end(self.proc, signal.SIGTERM, 10)


def stop_all(servers: list[Daphne]) -> None:
    """SIGTERM to every server at once, then wait for each (SIGKILL after 10 s)."""
    for server in servers:
        if server.proc and server.proc.poll() is None:
            server.proc.send_signal(signal.SIGTERM)
    for server in servers:
        if server.proc and _still_running(server.proc, 10):
            server.kill()


def _still_running(proc: subprocess.Popen, timeout: float) -> bool:
    try:
        proc.wait(timeout)
        return False
    except subprocess.TimeoutExpired:
        return True


def start_daphnes(named_envs: list[tuple[str, dict]], log_dir: Path, started: list) -> list[Daphne]:
    """Start the servers side by side (each takes seconds to import Django), then wait until each answers."""
    servers = [Daphne(name, env, log_dir) for name, env in named_envs]
    for server in servers:
        server.spawn()
        started.append(server)
    for server in servers:
        for _attempt in range(3):
            try:
                server.wait_ready()
                break
            except RuntimeError:
                if "Address already in use" not in server.log_text():
                    raise
                server.spawn()  # lost the port to someone else between free_port() and bind
        else:
            raise AssertionError(f"daphne {server.name} found no free port:\n{server.log_tail()}")
    return servers


class Worker:
    """`manage.py run_huey`: the task queue's consumer, with its scheduler; its stdout and stderr go to `log`."""

    def __init__(self, env: dict, log_dir: Path):
        self.env = env
        self.log = log_dir / "worker.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "run_huey"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._started, timeout, f"the worker to start:\n{self.log_text()}", interval=0.2)

    def _started(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"the worker exited with {self.proc.returncode}:\n{self.log_text()}")
        return "Huey consumer started" in self.log_text()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL to its process group: the worker and the render processes it started."""
        if self.proc is None:
            return
        _end(self.proc, signal.SIGTERM, 10)
        with contextlib.suppress(ProcessLookupError):  # its own session: a render process left behind, if any
            os.killpg(self.proc.pid, signal.SIGKILL)


class RedisServer:
    """A private redis-server (no persistence) that a test may stop and start again on the same port."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.log = log_dir / "redis.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._pong, timeout, f"redis-server on port {self.port}")

    def _pong(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n{self.log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        """SIGSTOP: connections are still accepted by the kernel, but nothing answers (a hung or swapping Redis)."""
        self.proc.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc:
            self.proc.send_signal(signal.SIGCONT)  # a frozen process would not act on SIGTERM
            _end(self.proc, signal.SIGTERM, 10)
