"""Slide rendering: how long until a lesson's viewers see an uploaded deck, before and after.

Builds a deck like an exported lecture (each page a 2667 × 1500 picture at 200 dpi with drawing
on it: the costly kind of page for PDFium), then, in the same run, times

* the old way (baseline): one pass at full width (1280 px), WebP ``method=4``;
* the way ``lessons.slides.deck_render`` works now: every page at phone width (640 px) first,
  WebP ``method=0`` - the deck is ready and shown then - and afterwards each page at full width;
* the full-width pass spread over two processes (PDFium is not thread-safe, so parallel
  rendering means processes), including their start-up.

    .venv/bin/python bench/slides_render.py [--pages 3] [--repeat 3]

Prints the median of ``--repeat`` runs in seconds, and the load average, since the machine is
shared.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pypdfium2 as pdfium  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from lessons.slide_pages import render_page  # noqa: E402

FULL, PHONE = 1280, 640


def make_deck(pages: int) -> bytes:
    rnd = random.Random(1)
    images = []
    for _ in range(pages):
        image = Image.effect_noise((2667, 1500), 60).convert("RGB").filter(ImageFilter.GaussianBlur(2))
        draw = ImageDraw.Draw(image)
        for _ in range(30):
            x, y = rnd.randrange(2300), rnd.randrange(1200)
            draw.rectangle([x, y, x + rnd.randrange(1, 300), y + rnd.randrange(1, 300)], outline=(200, 30, 40), width=5)
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=200.0)
    return out.getvalue()


def one_pass(pdf: Path, out: Path, *, width: int, method: int, suffix: str) -> tuple[float, float]:
    """(seconds to the first page, seconds to every page)."""
    started = time.perf_counter()
    document = pdfium.PdfDocument(str(pdf))
    first = 0.0
    try:
        for index in range(len(document)):
            render_page(document, index, width=width, target=out / f"{index}{suffix}.webp", method=method)
            if index == 0:
                first = time.perf_counter() - started
    finally:
        document.close()
    return first, time.perf_counter() - started


def _render_in_worker(args: tuple[str, int, str]) -> None:
    pdf, index, target = args
    document = pdfium.PdfDocument(pdf)
    try:
        render_page(document, index, width=FULL, target=Path(target))
    finally:
        document.close()


def parallel_full(pdf: Path, out: Path, pages: int, workers: int) -> float:
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_render_in_worker, [(str(pdf), i, str(out / f"{i}.par.webp")) for i in range(pages)]))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        pdf = out / "deck.pdf"
        pdf.write_bytes(make_deck(args.pages))
        for _ in range(args.repeat):
            first, total = one_pass(pdf, out, width=FULL, method=4, suffix=".old")
            rows.setdefault("baseline: first page at 1280 px, method 4", []).append(first)
            rows.setdefault("baseline: every page at 1280 px, method 4 (deck ready)", []).append(total)
            first, ready = one_pass(pdf, out, width=PHONE, method=0, suffix=".phone")
            _first, full = one_pass(pdf, out, width=FULL, method=0, suffix=".full")
            rows.setdefault("now: first page at 640 px, method 0", []).append(first)
            rows.setdefault("now: every page at 640 px (deck ready and shown)", []).append(ready)
            rows.setdefault("now: then every page at 1280 px, method 0", []).append(full)
            rows.setdefault("alternative: 1280 px pass over 2 spawned processes", []).append(
                parallel_full(pdf, out, args.pages, 2)
            )
        sizes = {
            suffix: sum(f.stat().st_size for f in out.glob(f"*{suffix}.webp")) // args.pages // 1024
            for suffix in (".old", ".phone", ".full")
        }
    print(f"{args.pages} pages, median of {args.repeat}, load average {os.getloadavg()[0]:.1f}")
    for name, values in rows.items():
        print(f"  {name:<58} {statistics.median(values):6.2f} s")
    print(f"  page size: 1280 px method 4 {sizes['.old']} KiB, 640 px {sizes['.phone']} KiB, "
          f"1280 px method 0 {sizes['.full']} KiB")  # fmt: skip


if __name__ == "__main__":
    main()
