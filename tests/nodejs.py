"""Browser modules checked in Node: each check script prints "ok" and exits 0, or fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def run_node_check(script: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run([node, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
