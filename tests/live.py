"""Real Daphne processes for tests whose behaviour crosses processes (browsers, fan-out, crashes).

The servers share the test database: the SQLite test database is a file, and on PostgreSQL the
test database is reachable by name. Tests using them need committed data (``transactional_db``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

from tests.services import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_daphne(
    extra_env: dict[str, str] | None = None,
    *,
    log_dir: Path | None = None,
    app: str = "web.asgi:application",
    port: int | None = None,
) -> LiveServer:
    """``app`` lets a test serve an application with test-only stream kinds registered;
    ``port`` restarts a server where its clients expect it."""
    port = port or free_port()
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for Playwright in the test process only
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "DEBUG": "1",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra_env or {})
    log_dir = log_dir or ROOT / "var" / "test-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"daphne-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "web.server", "-b", "127.0.0.1", "-p", str(port), app],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(process=process, port=port, log=log)
    wait_for_port(server)
    return server


def wait_for_port(server: LiveServer, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{server.log.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"daphne did not listen within {timeout}s:\n{server.log.read_text(errors='replace')[-4000:]}")


@contextmanager
def daphne(extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    server = start_daphne(extra_env)
    try:
        yield server
    finally:
        server.stop()
