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
    ("text", "word", "found"),
    [
        ("來玩 Ｄ·Ｕ ｂｏ 吧", "赌博", "Ｄ·Ｕ ｂｏ"),  # full-width pinyin with separators, traditional around
        ("他們在賭\u200b搏，輸光了", "赌博", "賭\u200b搏"),  # traditional homophone, zero-width inside
        ("😀👍🏽 法·lun·功", "法轮功", "法·lun·功"),  # characters outside the basic plane before it
        ("𠀀𠀁 f轮功", "法轮功", "f轮功"),  # CJK extension B before it (the normaliser's second pass)
        ("ＦＬＧ！", "法轮功", "ＦＬＧ"),  # full-width initials
        ("弓\u200b长 三丰", "张三丰", "弓\u200b长 三丰"),  # a split character, padded
        ("纪念６４", "六四", "６４"),  # full-width digits read as numerals
    ],
)
def test_offsets_of_matches_by_sound_point_into_the_original(
    lists: CompiledList, text: str, word: str, found: str
) -> None:
    assert [(m.word, text[m.start : m.end]) for m in lists.scan(text)] == [(word, found)]


def test_the_sound_key_of_a_text_is_that_of_its_normalised_text() -> None:
    """The one translation from the original text agrees with normalising, then reading aloud, on
    every kind of character the normaliser treats (expanded, dropped, beyond the basic plane)."""
    import random

    from moderation.normalize import has_two_readings, normalise
    from moderation.sound import key_of, sound_key, sound_text

    pool = (
        "赌博機密★·*_- ，。abcXYZＡＢＣ１２３4ßﬁ㎏½⑴ⓕ𝐟😀👍🏽\u200b\u200d\ufeff\u00ad\u0336\u3000"
        "\U000e0041\U000e0100\U00020000\u3164é🇨🇳🅿\U0002f800\u346eøд"
    )
    rng = random.Random(11)
    for _ in range(500):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        folded = normalise(text)
        key = sound_key(text)
        assert key.key == key_of(sound_text(folded)), repr(text)
        kinds = "".join("a" if "a" <= c <= "z" else "0" if "0" <= c <= "9" else "." for c in folded)
        assert key.mask == kinds.encode(), repr(text)
        assert key.emoji_letters == has_two_readings(text), repr(text)


def test_a_syllable_that_shares_the_key_of_another_does_not_match_it(lists: CompiledList) -> None:
    """The automaton searches a key of one byte a character, which several syllables share; a
    candidate stands only where the text's own syllables are the entry's."""
    from pypinyin.pinyin_dict import pinyin_dict

    from moderation.sound import key_of, sound_tables, sound_text

    table = sound_tables().table
    bo = key_of(sound_text("博"))
    alike = next(
        chr(cp)
        for cp in sorted(pinyin_dict)
        if 0x4E00 <= cp <= 0x9FFF and key_of(sound_text(chr(cp))) == bo and table[cp] != table[ord("博")]
    )
    assert lists.scan(f"他们在赌{alike}") == []
    assert [m.word for m in lists.scan("他们在赌搏")] == ["赌博"]


@pytest.mark.parametrize(
    "text",
    [
        "卖ｓｈ１ｔ的",  # full-width digits for letters
        "卖sh·1t的",
        "赌🇨🇳博",  # letters that are also emoji, read as emoji
        "🇫🇺🇨🇰",  # and as letters
        "他们在 賭·博 ！",
    ],
)
def test_matching_by_sound_finds_every_match_by_characters(text: str) -> None:
    by_characters = CompiledList.compile(
        [Entry(e.word, e.action) for e in ENTRIES] + [Entry("fuck", ListAction.CENSOR)]
    )
    by_sound = CompiledList.compile([*ENTRIES, Entry("fuck", ListAction.CENSOR)])
    expected = [(m.word, m.start, m.end) for m in by_characters.scan(text)]
    assert expected
    assert [(m.word, m.start, m.end) for m in by_sound.scan(text)] == expected


def test_matching_by_sound_keeps_every_match_by_characters_on_random_text() -> None:
    import random

    entries = [*ENTRIES, Entry("fuck", ListAction.CENSOR), Entry("ass", ListAction.CENSOR)]
    by_characters = CompiledList.compile([Entry(e.word, e.action) for e in entries])
    by_sound = CompiledList.compile(entries)
    pool = list("赌博搏法轮功灋代开发票张弓长三丰六四冰毒病台独的是了·，。 ") + [
        *("du", "bo", "fa", "lun", "f", "g", "sh1t", "ｓｈ１ｔ", "64", "６", "1964", "fuck", "ａｓｓ", "4ß"),
        *("\u200b", "😀", "🇨🇳", "🅵🆄🅲🅺", "𝐟", "\U00020000", "賭", "輪"),
    ]
    rng = random.Random(18)
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        found = by_sound.scan(text)
        for m in by_characters.scan(text):
            assert any(o.start <= m.start and m.end <= o.end for o in found), (text, m)


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
