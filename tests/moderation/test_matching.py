"""Normalisation and matching: every evasion family, offsets back to the original, innocents pass."""

from __future__ import annotations

import pytest

from moderation.decision import Verdict, evaluate
from moderation.matcher import CompiledList, Entry, ListAction
from moderation.normalize import normalise, normalise_with_map

LIST = CompiledList.compile(
    [
        Entry("法轮功", ListAction.BLOCK),
        Entry("法轮", ListAction.CENSOR),
        Entry("赌博", ListAction.CENSOR),
        Entry("代开发票", ListAction.HOLD),
        Entry("翻墙", ListAction.FLAG),
        Entry("fuck", ListAction.CENSOR),
        Entry("ass", ListAction.CENSOR),
        Entry("sb", ListAction.CENSOR),
        # The classic false positive: an entry inside a longer innocent word, guarded by allow.
        Entry("傻逼", ListAction.CENSOR),
        Entry("傻逼样子", ListAction.ALLOW),
        Entry("共匪", ListAction.BLOCK),
        Entry("公共匪夷所思", ListAction.ALLOW),
    ]
)


def scan(text: str) -> list[tuple[str, str]]:
    """(entry, the original text it covered) for each match: checks the offsets too."""
    return [(m.word, text[m.start : m.end]) for m in LIST.scan(text)]


@pytest.mark.parametrize(
    ("family", "text", "covered"),
    [
        ("plain", "他们在赌博", "赌博"),
        ("full-width", "ｆｕｃｋ", "ｆｕｃｋ"),
        ("full-width digits and letters mixed", "Ｆuｃk", "Ｆuｃk"),
        ("case", "FuCk", "FuCk"),
        ("traditional", "他們在賭博", "賭博"),
        ("traditional variant", "法輪功", "法輪功"),
        ("spaces", "赌 博", "赌 博"),
        ("ideographic space", "法\u3000轮\u3000功", "法\u3000轮\u3000功"),
        ("tabs", "f\tu\tc\tk", "f\tu\tc\tk"),
        ("punctuation", "法.轮.功", "法.轮.功"),
        ("punctuation mixed", "法,轮;功", "法,轮;功"),
        ("slashes", "f/u/c/k", "f/u/c/k"),
        ("zero-width space", "赌\u200b博", "赌\u200b博"),
        ("zero-width joiner", "法\u200d轮\u200c功", "法\u200d轮\u200c功"),
        ("word joiner and BOM", "赌\u2060\ufeff博", "赌\u2060\ufeff博"),
        ("soft hyphen", "fu\u00adck", "fu\u00adck"),
        ("emoji", "法😀轮😀功", "法😀轮😀功"),
        ("emoji with skin tone and ZWJ", "赌👍🏽博", "赌👍🏽博"),
        ("star", "法★轮★功", "法★轮★功"),
        ("middle dot", "法·轮·功", "法·轮·功"),
        ("asterisk", "f*u*c*k", "f*u*c*k"),
        ("underscore", "赌_博", "赌_博"),
        ("hyphen", "f-u-c-k", "f-u-c-k"),
        ("combining marks", "f\u0336u\u0336c\u0336k\u0336", "f\u0336u\u0336c\u0336k\u0336"),
        ("accents", "fück", "fück"),
        ("circled letters", "ⓕⓤⓒⓚ", "ⓕⓤⓒⓚ"),
        ("mathematical letters", "𝐟𝐮𝐜𝐤", "𝐟𝐮𝐜𝐤"),
        ("cyrillic look-alike", "аss", "аss"),
        ("small capitals", "ꜰᴜᴄᴋ", "ꜰᴜᴄᴋ"),
        ("regional indicators", "🇫🇺🇨🇰", "🇫🇺🇨🇰"),
        ("stroke ideographs as separators", "赌丨博", "赌丨博"),
        ("bidi controls", "赌\u202e博", "赌\u202e博"),
        ("variation selectors", "赌\ufe0f博", "赌\ufe0f博"),
        ("squared ideograph", "🈲赌博", "赌博"),
        ("everything at once", "法 輪。功", "法 輪。功"),
        ("traditional + spaces + full-width", "Ｆ Ｕ Ｃ Ｋ", "Ｆ Ｕ Ｃ Ｋ"),
    ],
)
def test_evasion_family_is_caught_with_original_offsets(family: str, text: str, covered: str) -> None:
    found = scan(text)
    assert len(found) == 1, (family, found)
    assert found[0][1] == covered


def test_offsets_inside_a_longer_text() -> None:
    text = "前言：我们 反对 賭 · 博 活动，ＦＵＣＫ！"
    matches = LIST.scan(text)
    assert [(m.word, m.start, m.end) for m in matches] == [("赌博", 9, 14), ("fuck", 18, 22)]
    assert text[9:14] == "賭 · 博" and text[18:22] == "ＦＵＣＫ"


def test_censored_text_keeps_the_authors_characters_outside_the_match() -> None:
    decision = evaluate(text="ＡＢ赌 博ｃｄ", kind="plain", matcher=LIST)
    assert decision.action == Verdict.CENSOR
    assert decision.plain == "ＡＢ＊＊＊ｃｄ"


def test_normalised_map_points_every_character_back() -> None:
    text = "Ａ ß 機密 ㊙ 😀x"
    norm = normalise_with_map(text)
    assert norm.text == normalise(text) == "ass机密秘x"
    assert [text[i] for i in norm.origin] == ["Ａ", "ß", "ß", "機", "密", "㊙", "x"]
    assert normalise("⾦⼝") == "金口"  # Kangxi radicals are the ideographs they look like


@pytest.mark.parametrize(
    "text",
    [
        "这是一个普通的句子。",
        "class assignment passes",  # Latin entries match whole words only
        "usb 接口坏了",
        "Essex 和 Sussex",
        "他那傻逼样子真可笑",  # allow entry spans the match
        "公共匪夷所思",  # allow entry across a word boundary in the middle
        "c.l.a.s.s",  # a spaced-out longer word is still one word
        "方法。轮到你了",
    ],
)
def test_innocent_text_passes(text: str) -> None:
    assert scan(text) == []


def test_allow_entries_also_match_through_evasions() -> None:
    assert scan("他那傻 逼 样 子") == []
    assert scan("你这个傻 逼") == [("傻逼", "傻 逼")]


def test_verdict_is_the_most_severe_and_flags_are_queued() -> None:
    assert evaluate(text="翻墙", kind="plain", matcher=LIST).action == Verdict.ALLOW
    assert evaluate(text="翻墙", kind="plain", matcher=LIST).flagged
    assert evaluate(text="代开发票 赌博", kind="plain", matcher=LIST).action == Verdict.HOLD
    blocked = evaluate(text="代开发票 法轮功", kind="plain", matcher=LIST)
    assert blocked.action == Verdict.BLOCK and blocked.plain == ""
    assert {r.code for r in blocked.reasons} == {"word_block", "word_hold"}


def test_longest_match_wins_over_a_contained_one() -> None:
    compiled = CompiledList.compile([Entry("fuck", ListAction.CENSOR), Entry("fucking", ListAction.CENSOR)])
    assert [(m.word, m.start, m.end) for m in compiled.scan("so fucking bad")] == [("fucking", 3, 10)]


def test_identical_normalised_entries_allow_wins() -> None:
    compiled = CompiledList.compile([Entry("機密", ListAction.CENSOR), Entry("机密", ListAction.ALLOW)])
    assert compiled.scan("机密") == []


def test_rich_text_is_matched_on_its_text_and_censored_inside_tags() -> None:
    decision = evaluate(
        text='<p>反对<b>赌</b>博 <a href="http://x.example/赌博">链接</a></p>', kind="rich", matcher=LIST
    )
    assert decision.action == Verdict.CENSOR
    assert decision.html == ('<p>反对<b>＊</b>＊ <a href="http://x.example/赌博" rel="nofollow noopener">链接</a></p>')


def test_fifty_thousand_entries_compile() -> None:
    entries = [Entry(f"词{i:05d}", ListAction.CENSOR) for i in range(50_000)]
    compiled = CompiledList.compile(entries)
    assert len(compiled) == 50_000
    assert [m.word for m in compiled.scan("前面 词 4 9 9 9 9 后面")] == ["词49999"]


def test_fast_and_per_character_maps_agree_on_random_text() -> None:
    import random

    from moderation.normalize import _with_map_slow, normalise_for_guard_with_map, tables

    pool = (
        "赌博機密★☆·*_- ，。！？abcXYZＡＢＣ１２３ßﬁ㎏½⑴ⓕ𝐟😀👍🏽\u200b\u200d\ufeff\u00ad\u0336\u3000\t"
        "\U000e0041\U000e0100\U00020000\u3164é"
    )
    rng = random.Random(7)
    t = tables()
    for _ in range(500):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        fast, slow = normalise_with_map(text), _with_map_slow(text, t.match)
        assert (fast.text, fast.origin) == (slow.text, slow.origin) and fast.text == normalise(text), repr(text)
        guard_fast, guard_slow = normalise_for_guard_with_map(text), _with_map_slow(text, t.guard)
        assert (guard_fast.text, guard_fast.origin) == (guard_slow.text, guard_slow.origin), repr(text)
