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

    from moderation.normalize import (
        _with_map_slow,
        has_two_readings,
        normalise_for_guard_with_map,
        normalise_for_scan,
        tables,
    )

    pool = (
        "赌博機密★☆·*_- ，。！？abcXYZＡＢＣ１２３ßﬁ㎏½⑴ⓕ𝐟😀👍🏽\u200b\u200d\ufeff\u00ad\u0336\u3000\t"
        "\U000e0041\U000e0100\U00020000\u3164é🇨🇳🅿\U0002f800"
    )
    rng = random.Random(7)
    t = tables()
    for _ in range(500):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        fast, slow = normalise_with_map(text), _with_map_slow(text, t.match)
        assert (fast.text, fast.origin) == (slow.text, slow.origin) and fast.text == normalise(text), repr(text)
        guard_fast, guard_slow = normalise_for_guard_with_map(text), _with_map_slow(text, t.guard)
        assert (guard_fast.text, guard_fast.origin) == (guard_slow.text, guard_slow.origin), repr(text)
        assert normalise_for_scan(text) == (normalise(text), has_two_readings(text)), repr(text)


GAPS = CompiledList.compile(
    [
        Entry("法轮", ListAction.CENSOR),
        Entry("打倒共产党", ListAction.BLOCK),
        Entry("shit", ListAction.CENSOR),
        Entry("hell", ListAction.CENSOR),
        Entry("anal", ListAction.CENSOR),
        Entry("sb", ListAction.CENSOR),
        Entry("fuck", ListAction.CENSOR),
        Entry("kill yourself", ListAction.HOLD),
        Entry("bitch", ListAction.CENSOR),
        Entry("8964", ListAction.HOLD),
    ]
)


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        # One clause break with a single character on one side: two clauses of running text.
        ("用这个方法，轮流值班", None),
        ("方法。轮到你了", None),
        ("方法」，「轮到", None),
        ("方法……轮到", None),
        ("方法,轮到", None),
        ("方法. 轮到", None),
        ("学习方法\n轮流发言", None),
        # A clause mark typed as a separator is not prose: after a space, repeated, or at two gaps.
        ("法 , 轮", "法 , 轮"),
        ("法,,轮", "法,,轮"),
        ("法.轮", "法.轮"),
        ("打倒，共产党", "打倒，共产党"),  # a phrase written with a pause: both sides are words
        ("方法——轮到", None),  # the Chinese dash is two em dashes
        ("法—轮", "法—轮"),  # one alone is a separator
        # Spaced scripts: a space or an apostrophe between multi-letter pieces is a word break.
        ("she's hit the ball", None),
        ("he'll be fine", None),
        ("an Al Gore fan", None),
        ("s h i t", "s h i t"),
        ("s.h.i.t", "s.h.i.t"),
        ("sh*it", "sh*it"),
        # Two letters spelled out are initials.
        ("S. B. Johnson", None),
        ("S B", None),
        # A spelled-out run that goes on is a longer word; one that ends is the word.
        ("H E L L O", None),
        ("you f u c k!", "f u c k"),
        ("son of a b i t c h", "b i t c h"),  # "a" after a word is a word
        ("我买了 8 9 6 4 5 个", None),  # the digits go on
        # The entry's own word break takes any separator, but not the end of a sentence.
        ("Kill   yourself", "Kill   yourself"),
        ("k i l l y o u r s e l f", "k i l l y o u r s e l f"),
        ("I will kill. Yourself? No.", None),
    ],
)
def test_gaps_decide_word_or_running_text(text: str, covered: str | None) -> None:
    found = [text[m.start : m.end] for m in GAPS.scan(text)]
    assert found == ([covered] if covered else []), found


@pytest.mark.parametrize(
    ("text", "covered"),
    [("赌🇨🇳博", "赌🇨🇳博"), ("🇫🇺🇨🇰", "🇫🇺🇨🇰"), ("赌🅿️博", "赌🅿️博"), ("🅵🆄🅲🅺", "🅵🆄🅲🅺"), ("🅕🅤🅒🅚 off", "🅕🅤🅒🅚")],
)
def test_letters_that_are_also_emoji_are_read_both_ways(text: str, covered: str) -> None:
    compiled = CompiledList.compile([Entry("赌博", ListAction.CENSOR), Entry("fuck", ListAction.CENSOR)])
    assert [text[m.start : m.end] for m in compiled.scan(text)] == [covered]


@pytest.mark.parametrize("text", ["赌™博", "赌℃博", "赌ー博", "赌ㄧ博", "赌№博"])
def test_symbols_that_spell_letters_are_separators(text: str) -> None:
    compiled = CompiledList.compile([Entry("赌博", ListAction.CENSOR)])
    assert [text[m.start : m.end] for m in compiled.scan(text)] == [text]


def test_offsets_with_characters_outside_the_basic_plane() -> None:
    # UTF-16 surrogate pairs in the searched text must not shift the offsets.
    compiled = CompiledList.compile([Entry("𠀀𠀁", ListAction.BLOCK), Entry("赌博", ListAction.CENSOR)])
    text = "𠀀𠀁 前 𝐀 赌 😀 博 𠀀 · 𠀁"
    assert [(m.word, text[m.start : m.end]) for m in compiled.scan(text)] == [
        ("𠀀𠀁", "𠀀𠀁"),
        ("赌博", "赌 😀 博"),
        ("𠀀𠀁", "𠀀 · 𠀁"),
    ]


def test_ascii_texts_are_matched_by_the_ascii_entries() -> None:
    compiled = CompiledList.compile([Entry("赌博", ListAction.CENSOR), Entry("sb", ListAction.CENSOR)])
    assert [m.word for m in compiled.scan("you sb")] == ["sb"]
    assert compiled.scan("plain english") == []
    assert CompiledList.compile([Entry("赌博", ListAction.CENSOR)]).scan("ascii only") == []


def test_paragraphs_of_rich_text_are_separate_clauses() -> None:
    decision = evaluate(text="<p>学习方法</p><p>轮到你了</p>", kind="rich", matcher=GAPS)
    assert decision.action == Verdict.ALLOW and decision.plain == "学习方法\n轮到你了"
    spelled = evaluate(text="<p>法</p><p>轮</p><p>功</p> 法<b>轮</b>", kind="rich", matcher=GAPS)
    assert spelled.html == "<p>法</p><p>轮</p><p>功</p> ＊<b>＊</b>"
