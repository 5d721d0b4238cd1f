"""Browser modules checked in Node: each check script prints "ok" and exits 0, or fails. Imports
resolve as the site serves them (tests/static_finder.mjs), so a module may import another app's."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

STATIC_FINDER = Path(__file__).with_name("static_finder.mjs")


def run_node_check(script: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [node, "--import", STATIC_FINDER.as_uri(), str(script)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
