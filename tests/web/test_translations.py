"""Every Chinese catalogue is complete, its committed .mo file matches it, and the catalogues agree.

Django merges every app's catalogue into one: an English text translated one way in one app and
another way in a second shows only one of the two everywhere. Texts whose meaning differs by place
carry a context (``pgettext``, ``{% translate "…" context "…" %}``), which keeps them apart."""

from __future__ import annotations

import ast
import gettext
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from lessons.models import StudySource
from meetings.models import LeaveStatus, MotionStatus
from meetings.views import ROOM_TEXT
from moderation.models import QueueStatus, SanctionKind

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(
    p for p in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts and "var" not in p.parts
)
KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$')


@dataclass(frozen=True)
class Entry:
    context: str | None
    msgid: str
    plural: str | None
    msgstrs: tuple[str, ...]
    fuzzy: bool

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid


def parse_po(path: Path) -> list[Entry]:
    """The catalogue's entries, without its header and its obsolete (``#~``) entries."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = block.strip().splitlines()
        fields: dict[str, str] = {}
        field = None
        for line in lines:
            if match := KEYWORD.match(line):
                field = match.group(1)
                fields[field] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and field:
                fields[field] += ast.literal_eval(line)
        if not fields.get("msgid"):
            continue
        msgstrs = tuple(value for name, value in sorted(fields.items()) if name.startswith("msgstr"))
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        entries.append(Entry(fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural"), msgstrs, fuzzy))
    return entries


def compiled_msgstrs(compiled: gettext.GNUTranslations, entry: Entry) -> tuple[str, ...]:
    if entry.plural is None:
        if entry.context is None:
            return (compiled.gettext(entry.msgid),)
        return (compiled.pgettext(entry.context, entry.msgid),)
    # zh_Hans has one plural form: every count gives msgstr[0].
    if entry.context is None:
        return (compiled.ngettext(entry.msgid, entry.plural, 1),)
    return (compiled.npgettext(entry.context, entry.msgid, entry.plural, 1),)


def test_there_is_a_chinese_catalogue():
    assert CATALOGUES


def test_the_parser_reads_contexts_and_plurals(tmp_path: Path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        'msgctxt "motion status"\nmsgid "Open"\nmsgstr "进行中"\n\n'
        '#, fuzzy\nmsgid "Open"\nmsgstr ""\n"查"\n"看"\n\n'
        'msgid "%(n)s post"\nmsgid_plural "%(n)s posts"\nmsgstr[0] "%(n)s 条帖子"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "已删"\n',
        encoding="utf-8",
    )
    assert parse_po(po) == [
        Entry("motion status", "Open", None, ("进行中",), False),
        Entry(None, "Open", None, ("查看",), True),
        Entry(None, "%(n)s post", "%(n)s posts", ("%(n)s 条帖子",), False),
    ]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_translated_and_compiled(po: Path):
    entries = parse_po(po)
    untranslated = [e.key for e in entries if not all(e.msgstrs) or e.fuzzy]
    assert not untranslated, f"untranslated or fuzzy in {po}: {untranslated[:10]}"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run `make messages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [e.key for e in entries if compiled_msgstrs(compiled, e) != e.msgstrs[:1]]
    assert not stale, f"{mo} is older than {po.name}: run `make messages` ({stale[:5]})"


def test_no_two_catalogues_translate_one_text_differently():
    translations: dict[tuple[str | None, str], dict[str, tuple[str, ...]]] = defaultdict(dict)
    for po in CATALOGUES:
        for entry in parse_po(po):
            translations[entry.key][str(po.relative_to(ROOT))] = entry.msgstrs
    clashes = {key: by_file for key, by_file in translations.items() if len(set(by_file.values())) > 1}
    assert not clashes, (
        "the merged catalogue keeps one of these translations everywhere; give the uses that mean "
        f"different things a context (pgettext, {{% translate … context … %}}): {clashes}"
    )


def test_words_that_differ_by_place_show_their_own_translation():
    room_state = Template("{% load i18n %}{% translate 'Live' context 'meeting connection' %}")
    thread_state = Template("{% load i18n %}{% translate 'Live' %}")
    with translation.override("zh-hans"):
        assert str(MotionStatus.OPEN.label) == "进行中"
        assert room_state.render(Context()) == "在线" and thread_state.render(Context()) == "实时"
        assert str(ROOM_TEXT["muteOther"]) == "静音" and str(SanctionKind.MUTE.label) == "禁言"
        assert str(LeaveStatus.PENDING.label) == "待审批" and str(QueueStatus.PENDING.label) == "待审核"
        assert str(StudySource.LIVE.label) == "直播"
