"""web/static/js/flag.js in Node: what a page keeps of an item moderation took away (its author
keeps it with the reason, a late "hidden" does not undo a rejection; others keep nothing)."""

from __future__ import annotations

from pathlib import Path

from tests.nodejs import run_node_check


def test_a_page_keeps_moderated_items_for_their_author_only() -> None:
    run_node_check(Path(__file__).with_name("flag_js_check.mjs"))
