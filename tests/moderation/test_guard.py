"""The confidentiality guard: markings are blocked however they are spelled; prose passes."""

from __future__ import annotations

import pytest

from moderation.decision import Verdict, evaluate
from moderation.guard import markings_find


@pytest.mark.parametrize(
    "text",
    [
        "绝密★",
        "机密★1年",
        "秘密★长期",
        "秘密★6个月",
        "绝密★永久",
        "秘密★半年",
        "机密★10年",
        "绝密★启用前",
        "本文件为机密★1年，不得外传",
        "报告 机密★",  # a separator before the level: a marking, not the end of a word
        "机😀密★",
        "附件：机密★十年 关于某工程的报告",
        "机密☆5年",
        "机密*1年",
        "机密＊1年",
        "机密✱",
        "机密⭐",
        "機密★１年",  # traditional + full-width digit
        "絕密★長期",
        "祕密★",
        "机 密 ★ 1 年",
        "机\u200b密\u200b★",
        "机-密-★",
        "㊙密★",
        "密级：机密",
        "密级:秘密",
        "保密级别：秘密",
        "密級：絕密",
        "密 级 ： 机 密",
        "密级 机密★3年",
        "密级：【机密】",
        "【密级】机密",
        "密级 : 绝密",
        "内部资料 注意保密",
        "内部资料，注意保密",
        "內部資料 注意保密",
        "内部文件 请注意保密",
        "注意保密 内部资料",
        '<p title="机密★">x</p>',
    ],
)
def test_marking_is_blocked(text: str) -> None:
    assert markings_find(text), text
    for kind in ("plain", "rich"):
        decision = evaluate(text=text, kind=kind)  # type: ignore[arg-type]
        assert decision.action == Verdict.BLOCK
        assert decision.plain == "" and decision.html == ""
        assert decision.reasons[0].code == "classified"


def test_marking_split_by_tags_is_blocked() -> None:
    assert evaluate(text="<p>机<b>密</b>★1年</p>", kind="rich").action == Verdict.BLOCK


@pytest.mark.parametrize(
    "text",
    [
        "商业机密不能泄露",
        "秘密花园是一本书",
        "这是我们之间的秘密",
        "绝密档案（电视剧）很好看",
        "保守国家秘密是每个公民的义务",
        "机密级文件不得上网",
        "涉密不上网，上网不涉密",
        "内部资料要妥善管理",
        "密级划分为绝密、机密、秘密三级",
        "★★★★★ 五星好评",
        "机会★难得",
        "密码：123456",
        "保守秘密",
        "绝密行动是一部电影",
        "我的小秘密☆",  # a level glued to a word, no period: decoration
        "本文涉及商业机密*",  # a footnote mark
        "密级：绝密、机密、秘密三个等级",  # a label followed by the list of levels explains them
        "学习资料，注意保密",
    ],
)
def test_prose_passes(text: str) -> None:
    assert markings_find(text) == []
    assert evaluate(text=text, kind="plain").action == Verdict.ALLOW


def test_marking_offsets_point_at_the_original() -> None:
    text = "报告 機 密 ☆ 1 年 正文"
    (marking,) = markings_find(text)
    assert marking.marking == "机密★1年"
    assert text[marking.start : marking.end] == "機 密 ☆ 1 年"


def test_mailbox_mode_runs_the_guard_but_not_the_lists() -> None:
    from moderation.matcher import CompiledList, Entry, ListAction

    lists = CompiledList.compile([Entry("赌博", ListAction.BLOCK)])
    assert evaluate(text="赌博", kind="plain", matcher=lists, mailbox=True).action == Verdict.ALLOW
    assert evaluate(text="秘密★", kind="plain", matcher=lists, mailbox=True).action == Verdict.BLOCK


def test_a_period_makes_a_marking_even_after_a_word() -> None:
    assert markings_find("小秘密☆") == []
    assert [m.marking for m in markings_find("文件机密★5年")] == ["机密★5年"]
