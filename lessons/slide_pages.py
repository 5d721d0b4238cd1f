"""One PDF page to one WebP image: the pure core of slide rendering (pypdfium2 and Pillow, no
Django), shared by ``lessons.slides`` and ``bench/slides_render.py``.

WebP is encoded with ``method=0``: on slide pages it makes files within a few per cent of
``method=4``'s size in a quarter of the time or less (docs/benchmarks.md, "Slide rendering")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

WEBP_QUALITY = 72
WEBP_METHOD = 0


def render_page(document: Any, index: int, *, width: int, target: Path, method: int = WEBP_METHOD) -> None:
    """Render page ``index`` (0-based) of an open ``pypdfium2.PdfDocument`` ``width`` pixels wide
    to ``target``, written whole or not at all (a reader never sees half a file)."""
    page = document[index]
    try:
        page_width, page_height = page.get_size()
        # Fit the width; very tall pages are bounded so one page cannot eat the memory.
        scale = min(width / max(page_width, 1.0), 4 * width / max(page_height, 1.0))
        image = page.render(scale=scale).to_pil()
    finally:
        page.close()
    partial = target.with_name(target.name + ".part")
    image.convert("RGB").save(partial, "WEBP", quality=WEBP_QUALITY, method=method)
    partial.replace(target)
