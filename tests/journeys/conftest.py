"""Journeys: one Chromium test per person's whole task, on a phone (360 × 740, zh-CN), with the
browser tests' fixtures (a real Daphne process, a context per person, CSP violations fail)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser, live_server_url, new_page, pytest_runtest_makereport  # noqa: F401


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/journeys/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
