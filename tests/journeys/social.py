"""What the forum, mailbox and report-mailbox journeys share: a phone, the site's menu, the
screenshots that docs/operations.md shows, and the touch-target check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD

SHOTS = Path(__file__).resolve().parents[2] / "var" / "journeys"


def phone(new_page: Any) -> Any:
    return new_page(width=360, height=740, locale="zh-CN")


def log_in(page: Any, base: str, username: str) -> None:
    """As a person does it: the login page, name and password, the button."""
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(base + "/")


def menu(page: Any, name: str) -> None:
    """Open the phone's menu (☰) and follow one of its links."""
    if not page.locator(".nav").is_visible():
        page.locator(".nav-toggle-label").click()
    page.locator(".nav").get_by_role("link", name=name).first.click()


def shot(page: Any, name: str) -> None:
    """A phone-sized screenshot of what the person sees now (docs/operations.md uses them)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def small_targets(page: Any, selector: str) -> list[str]:
    """Visible elements matching ``selector`` whose touch target is under 44 × 44 CSS px (a
    checkbox counts with the label around it)."""
    found: list[str] = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((node) => {
            const target = node.matches("input[type=checkbox]") ? (node.closest("label") || node) : node;
            const box = target.getBoundingClientRect();
            const shown = box.width > 0 && box.height > 0 && getComputedStyle(target).visibility !== "hidden";
            return shown && (box.width < 44 || box.height < 44);
        }).map((node) => node.outerHTML.slice(0, 120))""",
        selector,
    )
    return found
