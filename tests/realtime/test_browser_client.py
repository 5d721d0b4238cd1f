"""web/static/js/realtime.js, run in Node against a fake WebSocket: resume, dedupe, cid re-send,
backoff with jitter, and the connection state shown to the user."""

from __future__ import annotations

from pathlib import Path

from tests.nodejs import run_node_check


def test_browser_client_resumes_dedupes_and_shows_state() -> None:
    run_node_check(Path(__file__).with_name("realtime_js_check.mjs"))
