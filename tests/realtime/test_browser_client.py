"""web/static/js/realtime.js, run in Node against a fake WebSocket: resume, dedupe, cid re-send,
backoff with jitter, and the connection state shown to the user."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def test_browser_client_resumes_dedupes_and_shows_state() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = Path(__file__).with_name("realtime_js_check.mjs")
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
