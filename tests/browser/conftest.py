"""Browser tests: Playwright driving Debian's Chromium against a real Daphne process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from tests.live import LiveServer, start_daphne

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module-scoped: Playwright's sync API keeps an event loop running in this thread while it is
    open, which would break the asyncio tests of later modules. While it runs, the test's own ORM
    calls are still synchronous and safe (the documented setting for Playwright with Django)."""
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium package")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def live_server_url(transactional_db: None) -> Iterator[str]:
    # One web process: the media relay runs inside it, on Redis too (the separate worker process
    # of production is tested in tests/meetings/test_relay.py).
    server: LiveServer = start_daphne({"MEDIA_WORKER": "inprocess"})
    try:
        yield server.url
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


CALL_FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """One context (one person) per call; a phone-sized viewport by default. When the test fails,
    each page's console is printed (pytest shows it with the failure)."""
    contexts = []
    consoles: list[list[str]] = []

    def make(*, width: int = 360, height: int = 740, locale: str = "en-US") -> object:
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)  # type: ignore[attr-defined]
        context.add_init_script(REPORT_CSP_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        lines: list[str] = []
        consoles.append(lines)
        page.on("console", lambda message: lines.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: lines.append(f"pageerror: {error}"))
        return page

    yield make
    if request.node.stash.get(CALL_FAILED, False):
        for number, lines in enumerate(consoles, 1):
            print(f"--- console of page {number} ---", *lines[-200:], sep="\n")
    for context in contexts:
        context.close()
    violations = [line for lines in consoles for line in lines if CSP_VIOLATION in line]
    assert not violations, f"the Content-Security-Policy was violated: {violations}"


# Every page a browser test opens is checked against the site's Content-Security-Policy: a
# violation (an inline script or handler, a source the policy does not name) fails the test.
CSP_VIOLATION = "CSP violation"
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
  console.error("CSP violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline") +
    " at " + e.sourceFile + ":" + e.lineNumber));"""
