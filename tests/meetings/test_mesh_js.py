"""meetings/static/meetings/mesh.js, run in Node with fake peer connections: the perfect
negotiation of one mesh connection (who offers, collisions on each side, batched candidates,
restarts made by the impolite side, hang-up)."""

from __future__ import annotations

from pathlib import Path

from tests.nodejs import run_node_check


def test_mesh_peer_negotiates_perfectly() -> None:
    run_node_check(Path(__file__).with_name("mesh_js_check.mjs"))
