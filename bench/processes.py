"""Process helpers the benchmarks share: a free port, waiting for a server to listen, and a
process's CPU time and memory read from /proc (CPU time compares across runs on a busy machine,
unlike wall-clock rates)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[Any], timeout: float = 60, *, logs: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on {port} exited early" + (f" (see {logs})" if logs else ""))
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"server on {port} did not listen")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start_daphne(database_url: str, name: str) -> tuple[subprocess.Popen[bytes], int]:
    """One Daphne process of the project (DEBUG off) on a free port, its log in
    var/bench-<name>-daphne.log; returns once it listens."""
    root = Path(__file__).resolve().parent.parent
    port = free_port()
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1", "INSECURE_COOKIES": "1",
        "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    logs = root / "var" / f"bench-{name}-daphne.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "web.asgi:application"],
        cwd=root, env=env, stdout=logs.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_port(port, process, logs=logs)
    return process, port
