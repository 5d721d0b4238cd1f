"""XSS vectors that must not survive sanitising, through both sanitiser backends."""

from __future__ import annotations

import re
from html import unescape as html_unescape

import pytest

from moderation.decision import evaluate
from moderation.sanitize import BACKENDS, html_segments, sanitize_html

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=x oNeRrOr=alert(1)//",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div style="width:expression(alert(1))">x</div>',
    "<svg onload=alert(1)><circle r=1></circle></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    '<math href="javascript:alert(1)">x</math>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    '<body onload="alert(1)">',
    '<details open ontoggle="alert(1)">',
    '<input autofocus onfocus="alert(1)">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="http://ok.example" onclick="alert(1)">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<style>@import 'javascript:alert(1)';</style>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="java\x00script:alert(1)">x</a>',
]

TAG = re.compile(r"<\s*([a-zA-Z0-9]+)([^>]*)>")


def assert_safe(html: str) -> None:
    lowered = html.lower()
    for tag, attrs in TAG.findall(html):
        assert tag.lower() not in {"script", "style", "iframe", "object", "embed", "svg", "math", "form", "input",
                                   "meta", "base", "link", "body", "details"}, html  # fmt: skip
        assert not re.search(r"\bon[a-z]+\s*=", attrs, re.IGNORECASE), html
        assert "style=" not in attrs.lower(), html
        for value in re.findall(r'(?:href|src)="([^"]*)"', attrs):
            # What a browser does before reading the scheme: drop tab/newline, trim C0 and spaces.
            url = re.sub(r"[\t\n\r]", "", html_unescape(value)).strip("\x00 \x01\x02\x1f").lower()
            scheme = re.match(r"^([a-z][a-z0-9+.-]*):", url)
            assert scheme is None or scheme.group(1) in {"http", "https", "mailto"}, html
    assert "javascript:" not in re.sub(r">[^<]*<", "><", lowered), html


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("vector", VECTORS)
def test_vector_does_not_survive(backend: str, vector: str) -> None:
    assert_safe(sanitize_html(vector, backend=backend))


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_links_get_nofollow_noopener_and_keep_http(backend: str) -> None:
    html = sanitize_html('<a href="https://example.org/a?b=1&c=2" rel="opener" target="_blank">ok</a>', backend=backend)
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html
    assert 'rel="nofollow noopener"' in html
    assert "target" not in html


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_formatting_survives(backend: str) -> None:
    html = sanitize_html("<p>学习<strong>二十大</strong>精神</p><ul><li>一</li></ul>", backend=backend)
    assert html == "<p>学习<strong>二十大</strong>精神</p><ul><li>一</li></ul>"


def test_plain_text_is_escaped_not_sanitised() -> None:
    decision = evaluate(text='<img src=x onerror=alert(1)> & "hi"', kind="plain")
    assert decision.html == "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;hi&quot;"
    assert decision.plain == '<img src=x onerror=alert(1)> & "hi"'


def test_segments_keep_attribute_values_with_angle_brackets_whole() -> None:
    clean = sanitize_html('<a href="http://x.example/?q=<b>" title="a>b">t&amp;u</a>', backend="bleach")
    pieces = html_segments(clean)
    assert [p for is_text, p in pieces if is_text] == ["t&u"]
