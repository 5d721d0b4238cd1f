"""Matching by sound and split characters: the evasions Chinese users use, offsets into the original
text, what stays innocent, and the word-list file's optional ``sound`` column."""

from __future__ import annotations

from pathlib import Path

import pytest

from moderation.management.commands.moderation_scan import wordlist_read
from moderation.matcher import CompiledList, Entry, ListAction
from tests.moderation.test_scan_cli import run_scan

ENTRIES = [
    Entry("赌博", ListAction.BLOCK, sound=True),
    Entry("法轮功", ListAction.BLOCK, sound=True),
    Entry("代开发票", ListAction.HOLD, sound=True),
    Entry("张三丰", ListAction.CENSOR, sound=True),
    Entry("六四", ListAction.HOLD, sound=True),
    Entry("冰毒", ListAction.BLOCK, sound=True),
    Entry("病毒", ListAction.ALLOW),
    Entry("台独", ListAction.BLOCK),  # not by sound
    Entry("shit", ListAction.CENSOR),
]


@pytest.fixture(scope="module")
def lists() -> CompiledList:
    return CompiledList.compile(ENTRIES)


@pytest.mark.parametrize(
    ("text", "word", "found"),
    [
        ("他们在赌搏，输光了", "赌博", "赌搏"),  # homophone
        ("灋轮功是邪教", "法轮功", "灋轮功"),  # variant character, read by its sound
        ("来玩dubo吧", "赌博", "dubo"),  # pinyin
        ("有人说 du bo 很赚钱", "赌博", "du bo"),  # spaced pinyin
        ("fa lun gong", "法轮功", "fa lun gong"),
        ("法lun功好", "法轮功", "法lun功"),  # pinyin mixed with characters
        ("f轮功大法", "法轮功", "f轮功"),  # an initial mixed with characters
        ("flg", "法轮功", "flg"),  # all initials
        ("代kai发票找我", "代开发票", "代kai发票"),
        ("弓长三丰到了", "张三丰", "弓长三丰"),  # a split character
        ("纪念64", "六四", "64"),  # digits read as numerals
        ("卖sh1t的", "shit", "sh1t"),  # a digit for a letter
    ],
)
def test_evasions_match_with_offsets_into_the_original(lists: CompiledList, text: str, word: str, found: str):
    matches = lists.scan(text)
    assert [(m.word, text[m.start : m.end]) for m in matches] == [(word, found)]


@pytest.mark.parametrize(
    "text",
    [
        "文件或者标准输入",  # 件或 sounds like an insult of two characters, shares none of them
        "电脑中了病毒",  # 病毒 sounds like 冰毒 but is allowed
        "1964年出生",  # 64 inside a number
        "iPhone 6s",
        "adubo",  # pinyin inside a longer word
        "方法。轮到你",  # a clause break
        "c1ass",
    ],
)
def test_innocent_texts_stay_innocent(lists: CompiledList, text: str):
    assert lists.scan(text) == []


def test_entries_without_sound_do_not_match_by_sound(lists: CompiledList):
    assert lists.scan("抬读") == []
    assert [m.word for m in lists.scan("台独")] == ["台独"]


def test_censoring_by_sound_masks_exactly_the_evasion():
    from moderation.decision import evaluate

    compiled = CompiledList.compile([Entry("傻逼", ListAction.CENSOR, sound=True)])
    decision = evaluate(text="你这个sha bi！", kind="plain", matcher=compiled)
    assert decision.plain == "你这个＊＊＊＊＊＊！"


def test_the_starter_list_reads_and_protects_innocent_words():
    entries = wordlist_read(Path(__file__).resolve().parents[2] / "moderation" / "data" / "starter_wordlist.tsv")
    actions = {e.action for e in entries}
    assert actions == set(ListAction)
    compiled = CompiledList.compile(entries)
    for innocent in ["电脑中了病毒", "依法强制执行", "他兼任支部书记", "坚韧不拔", "饲料涨价了", "这是方法论问题"]:
        assert compiled.scan(innocent) == [], innocent
    assert [m.word for m in compiled.scan("加我v信，代kai发票")] == ["代开发票"]


def test_the_scan_command_reads_an_optional_sound_column(tmp_path: Path):
    wordlist = "代开发票\tblock\tsound\n赌博\tcensor\n"
    out = run_scan(["代kai发票", "代开发票", "赌搏", "赌博"], wordlist, tmp_path)
    assert [o["action"] for o in out] == ["block", "block", "allow", "censor"]
    assert out[0]["matches"] == [{"word": "代开发票", "start": 0, "end": 6}]
    assert out[3]["text"] == "＊＊"
