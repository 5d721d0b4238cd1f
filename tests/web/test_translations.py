"""Every Chinese catalogue is complete and its committed .mo file matches it."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts and "var" not in p.parts
)
ENTRY = re.compile(r'^(#, fuzzy\n)?(?:#.*\n)*msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


def parse_po(path: Path) -> list[tuple[str, str, bool]]:
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        match = ENTRY.search(block + "\n")
        if not match:
            continue
        fuzzy = "#, fuzzy" in block.split("msgid")[0]
        msgid = "".join(ast.literal_eval(s) for s in re.findall(r'".*"', match.group(2)))
        msgstr = "".join(ast.literal_eval(s) for s in re.findall(r'".*"', match.group(3)))
        if msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_there_is_a_chinese_catalogue():
    assert CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_translated_and_compiled(po: Path):
    entries = parse_po(po)
    untranslated = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert not untranslated, f"untranslated or fuzzy in {po}: {untranslated[:10]}"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [msgid for msgid, msgstr, _ in entries if compiled.gettext(msgid) != msgstr]
    assert not stale, f"{mo} is older than {po.name}: run `make messages` ({stale[:5]})"
