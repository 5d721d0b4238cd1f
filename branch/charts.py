"""The yearly dues chart as SVG, drawn on the server (no chart library, no script): for each
month a grey bar for what was due and a red bar for what was paid. Pure; no Django."""

from __future__ import annotations

from html import escape

from branch.dues_rules import fen_text

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 340, 200, 16, 24, 4


def dues_year_svg(*, due: list[int], paid: list[int], labels: list[str], title: str, legend: tuple[str, str]) -> str:
    """An accessible bar chart (``role="img"`` with a title; each bar has its amounts as a tooltip)."""
    top = max([*due, *paid, 1])
    slot = (WIDTH - LEFT) / len(due)
    bar = slot * 0.38
    plot = HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" class="dues-chart" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH}" y2="{HEIGHT - BOTTOM}" stroke="#999"/>',
    ]
    for i, (d, p) in enumerate(zip(due, paid, strict=True)):
        x = LEFT + i * slot + slot * 0.1
        for offset, value, colour, name in ((0.0, d, "#bbb", legend[0]), (bar, p, "#c8102e", legend[1])):
            h = round(plot * value / top, 1)
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{HEIGHT - BOTTOM - h:.1f}" width="{bar:.1f}" height="{h}" '
                f'fill="{colour}"><title>{escape(labels[i])} {escape(name)} {fen_text(value)}</title></rect>'
            )
        parts.append(
            f'<text x="{x + bar:.1f}" y="{HEIGHT - 8}" font-size="10" text-anchor="middle">{escape(labels[i])}</text>'
        )
    parts.append(
        f'<rect x="{LEFT}" y="2" width="10" height="10" fill="#bbb"/><text x="{LEFT + 14}" y="11" font-size="10">'
        f'{escape(legend[0])}</text><rect x="{LEFT + 80}" y="2" width="10" height="10" fill="#c8102e"/>'
        f'<text x="{LEFT + 94}" y="11" font-size="10">{escape(legend[1])}</text></svg>'
    )
    return "".join(parts)
