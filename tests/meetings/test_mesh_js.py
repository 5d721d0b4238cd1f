"""meetings/static/meetings/mesh.js, run in Node with fake peer connections: the perfect
negotiation of one mesh connection (who offers, collisions on each side, batched candidates,
restarts made by the impolite side, hang-up)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def test_mesh_peer_negotiates_perfectly() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = Path(__file__).with_name("mesh_js_check.mjs")
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
