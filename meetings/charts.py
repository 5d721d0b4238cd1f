"""Bar charts drawn on the server as SVG: no script and no inline style, so the strict CSP has
nothing to allow, and a phone draws them as it draws text. Each bar is a row of its own, the
label above the bar, so long meeting titles and Chinese names fit a 360 px screen."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 320  # the drawing's own units; the picture scales to its container
BAR_WIDTH = 256
ROW = 36
LABEL_CHARS = 22  # longer labels are cut, the whole one is the bar's tooltip


@dataclass(frozen=True)
class Bar:
    label: str
    title: str  # the full label and value, for a tooltip and screen readers
    value: str  # written after the bar
    label_y: int
    bar_y: int
    value_y: int
    width: float | None  # None: nothing to draw (no rate: nobody was due)
    short: bool


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    bar_width: int
    value_x: int


def bar_chart(rows: Iterable[tuple[str, float | None, str]], *, short_below: float = 1.0) -> Chart:
    """``rows``: (label, fraction between 0 and 1 or None, the value as written). A bar whose
    fraction is below ``short_below`` is marked ``short`` (drawn in the warning colour)."""
    bars = []
    for index, (label, fraction, value) in enumerate(rows):
        top = index * ROW
        shown = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        clipped = None if fraction is None else max(0.0, min(1.0, fraction))
        bars.append(
            Bar(
                label=shown,
                title=f"{label}: {value}",
                value=value,
                label_y=top + 13,
                bar_y=top + 18,
                value_y=top + 29,
                width=None if clipped is None else round(clipped * BAR_WIDTH, 1),
                short=clipped is not None and clipped < short_below,
            )
        )
    return Chart(bars=bars, width=WIDTH, height=max(ROW, len(bars) * ROW), bar_width=BAR_WIDTH, value_x=BAR_WIDTH + 6)


def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{round(fraction * 100)}%"
