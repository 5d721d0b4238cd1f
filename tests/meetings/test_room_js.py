"""The room page's logic (meetings/static/meetings/room/), run in Node: the votes a page keeps as
vote events arrive and how results read, the hand queue, ad-hoc breakout rooms, each room's chat,
participants' marks and co-hosts, and the link quality grades."""

from __future__ import annotations

from pathlib import Path

from tests.nodejs import run_node_check


def test_room_logic() -> None:
    run_node_check(Path(__file__).with_name("room_js_check.mjs"))
