"""One clock: the server's filter (kernel/times.py) and the browser module (web/static/js/clock.js)
write the same string for the same moment, in the site's time zone, the time alone on the day it
is shown and the date and time otherwise; pages show it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from kernel import times

CLOCK_JS = Path(__file__).resolve().parents[2] / "web" / "static" / "js" / "clock.js"
UTC = dt.UTC
NOW = dt.datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
MOMENTS = [
    dt.datetime(2026, 12, 3, 6, 5, tzinfo=UTC),  # 14:05 the same day
    dt.datetime(2026, 12, 2, 15, 59, tzinfo=UTC),  # 23:59 the day before (still 3 Dec in UTC)
    dt.datetime(2026, 12, 3, 16, 0, tzinfo=UTC),  # midnight after (still 3 Dec in UTC)
    dt.datetime(2025, 1, 1, 0, 0, tzinfo=UTC),
]


def test_the_server_writes_the_site_zone_and_one_format_per_kind(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with timezone.override("Asia/Shanghai"):
        shown = [times.when(moment, now=NOW) for moment in MOMENTS]
        assert shown == ["14:05", "2026-12-02 23:59", "2026-12-04 00:00", "2025-01-01 08:00"]
        assert times.day(MOMENTS[1]) == "2026-12-02" and times.day(dt.date(2026, 5, 1)) == "2026-05-01"
        assert times.when(MOMENTS[0].isoformat(), now=NOW) == "14:05"  # API dicts carry ISO strings
        html = Template("{% load clock %}{{ m|when }}").render(Context({"m": timezone.now()}))
        assert html.startswith('<time datetime="') and html.endswith(
            f">{timezone.localtime().strftime('%H:%M')}</time>"
        )


def test_the_browser_module_writes_the_same_strings():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (
        f"import {{ when, day }} from {json.dumps(str(CLOCK_JS))};\n"
        f"const now = new Date({json.dumps(NOW.isoformat())});\n"
        f"const moments = {json.dumps([m.isoformat() for m in MOMENTS])};\n"
        "console.log(JSON.stringify([moments.map((m) => when(m, { zone: 'Asia/Shanghai', now })),"
        " moments.map((m) => day(m, { zone: 'Asia/Shanghai' }))]));\n"
    )
    result = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    shown, days = json.loads(result.stdout)
    with timezone.override("Asia/Shanghai"):
        assert shown == [times.when(m, now=NOW) for m in MOMENTS]
        assert days == [times.day(m) for m in MOMENTS]
