"""The pipeline with the database: classified text stored nowhere, sanctions, flood and spam."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client, override_settings

from kernel.errors import RateLimited
from members.access import SYSTEM, Actor
from members.models import Member, RoleKind
from moderation.archive import Kind
from moderation.decision import Verdict
from moderation.models import ArchiveRecord, QueueItem
from moderation.pipeline import ContentBlocked, moderate
from moderation.sanctions import Muted, Suspended
from moderation.services import sanction_apply, sanction_lift, word_entries_set, word_list_create
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.conftest import PostChat

SECRET = "机密★1年 关于三号工程选址的绝对内部方案细节"
SECRET_BODY = "关于三号工程选址的绝对内部方案细节"


def every_stored_value() -> str:
    """Every row of every table as text (JSON columns also as stored: with \\u escapes)."""
    dump: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def test_classified_text_is_blocked_and_stored_nowhere(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor], post_chat: PostChat
) -> None:
    author = member_factory(org_tree.group_a1)
    with pytest.raises(ContentBlocked) as refused:
        post_chat(author, actor_of(author), SECRET)
    assert refused.value.code == "content_blocked"
    assert refused.value.details["reasons"][0]["code"] == "classified"
    stored = every_stored_value()
    for needle in (SECRET_BODY, json.dumps(SECRET_BODY)[1:-1], SECRET_BODY[:6]):
        assert needle not in stored
    record = ArchiveRecord.objects.get(kind=Kind.CLASSIFIED)
    assert record.actor_id == author.pk
    assert record.payload["sha256"] == hashlib.sha256(SECRET.encode()).hexdigest()
    assert record.content_ref == ""


@pytest.mark.parametrize(
    ("title", "text"),
    [("关于选址的报告", SECRET), (f"密级：机密 {SECRET_BODY[:8]}", "正文见附件")],
    ids=["in the body", "in the title"],
)
def test_classified_post_through_the_forum_api_leaves_no_trace(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    client_for: Callable[[Member], Client],
    caplog: pytest.LogCaptureFixture,
    title: str,
    text: str,
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level
    author = member_factory(org_tree.group_a1)
    board = org_tree.branch_a.boards.get(name="党员论坛")
    response = client_for(author).post(
        f"/api/forum/boards/{board.pk}/threads",
        json.dumps({"title": title, "text": text}),
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "content_blocked" and body["reasons"][0]["code"] == "classified"
    secret = SECRET_BODY[:8]
    stored = every_stored_value()
    logged = caplog.text + "\n".join(repr(record.args) for record in caplog.records)
    for needle in (secret, json.dumps(secret)[1:-1]):
        assert needle not in stored
        assert needle not in logged
        assert needle not in response.content.decode()
    record = ArchiveRecord.objects.get(kind=Kind.CLASSIFIED)
    assert record.actor_id == author.pk and set(record.payload) == {
        "sha256",
        "format",
        "organisation_id",
        "marking_kinds",
    }
    assert not board.threads.exists()


def test_muted_member_is_refused_with_the_end_time(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    moderator = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    member = member_factory(org_tree.group_a1)
    sanction = sanction_apply(by=actor_of(moderator), member_id=member.pk, kind="mute", reason="刷屏", minutes=60)
    with pytest.raises(Muted) as refused:
        moderate(text="你好", kind="plain", author=actor_of(member), organisation=org_tree.group_a1)
    assert refused.value.code == "muted"
    assert sanction.ends is not None
    assert refused.value.details["until"] == sanction.ends.isoformat()
    from moderation.sanctions import send_guard

    with pytest.raises(Muted):
        send_guard(actor_of(member), "forum.thread", "1")
    sanction_lift(by=actor_of(moderator), sanction_id=sanction.pk)
    assert moderate(text="你好", kind="plain", author=actor_of(member), organisation=org_tree.group_a1).published


def test_suspension_and_warning(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    moderator = member_factory(org_tree.committee, roles=[(RoleKind.MODERATOR, org_tree.committee)])
    member = member_factory(org_tree.group_b1)
    sanction_apply(by=actor_of(moderator), member_id=member.pk, kind="warn", reason="注意言辞")
    moderate(text="你好", kind="plain", author=actor_of(member), organisation=None)  # a warning does not mute
    sanction_apply(by=actor_of(moderator), member_id=member.pk, kind="suspend", reason="严重违规")
    with pytest.raises(Suspended) as refused:
        moderate(text="你好", kind="plain", author=actor_of(member), organisation=None)
    assert refused.value.details["until"] is None


def test_only_moderators_of_the_subtree_may_sanction(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    from kernel.errors import Forbidden

    moderator_b = member_factory(org_tree.branch_b, roles=[(RoleKind.MODERATOR, org_tree.branch_b)])
    member_a = member_factory(org_tree.group_a1)
    with pytest.raises(Forbidden):
        sanction_apply(by=actor_of(moderator_b), member_id=member_a.pk, kind="mute", reason="x", minutes=5)


@override_settings(MODERATION_DUPLICATE_LIMIT=3)
def test_the_same_text_again_and_again_is_refused(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor], post_chat: PostChat
) -> None:
    member = member_factory(org_tree.group_a1)
    actor = actor_of(member)
    text = "快来看看这个好东西，点击领取奖品"
    for _ in range(2):
        post_chat(member, actor, text)
    with pytest.raises(ContentBlocked) as refused:
        post_chat(member, actor, text.replace("，", " ，"))
    assert refused.value.details["reasons"][-1]["code"] == "duplicate"
    # Another member may say the same; short replies are legitimately repeated.
    other = member_factory(org_tree.group_a1)
    post_chat(other, actor_of(other), text)
    for _ in range(5):
        post_chat(member, actor, "收到")


@override_settings(MODERATION_DUPLICATE_LIMIT=2)
def test_a_repeated_held_text_is_refused_for_the_repetition(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor], post_chat: PostChat
) -> None:
    words = word_list_create(by=SYSTEM, organisation=None, name="全局")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("代开发票", "hold")])
    member = member_factory(org_tree.group_a1)
    post_chat(member, actor_of(member), "代开发票，请联系我们")
    with pytest.raises(ContentBlocked) as refused:
        post_chat(member, actor_of(member), "代开发票，请联系我们")
    codes = [r["code"] for r in refused.value.details["reasons"]]
    assert codes == ["word_hold", "duplicate"]
    # The author is told what refused it, not what would only have held it.
    assert refused.value.message == refused.value.details["reasons"][1]["message"]


@override_settings(MODERATION_POST_RATE=(0.001, 3))
def test_rate_limit_per_member(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    actor = actor_of(member_factory(org_tree.group_a1))
    for i in range(3):
        moderate(text=f"第{i}条", kind="plain", author=actor, organisation=None)
    with pytest.raises(RateLimited) as limited:
        moderate(text="第4条", kind="plain", author=actor, organisation=None)
    assert limited.value.retry_after > 0
    other = actor_of(member_factory(org_tree.group_a1))
    moderate(text="别人的", kind="plain", author=other, organisation=None)


def test_links_from_a_new_member_are_held(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    actor = actor_of(member_factory(org_tree.group_a1))
    text = "看 http://a.example http://b.example http://c.example"
    decision = moderate(text=text, kind="plain", author=actor, organisation=None)
    assert decision.action == Verdict.HOLD and decision.reasons[-1].code == "too_many_links"
    assert moderate(text="看 http://a.example", kind="plain", author=actor, organisation=None).published


def test_lists_of_the_organisation_chain_apply(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    post_chat: PostChat,
) -> None:
    moderator = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    words = word_list_create(by=actor_of(moderator), organisation=org_tree.branch_a, name="支部词表")
    word_entries_set(by=actor_of(moderator), word_list=words, entries=[("代开发票", "hold"), ("赌博", "censor")])
    in_a = member_factory(org_tree.group_a1)
    in_b = member_factory(org_tree.group_b1)
    held = post_chat(in_a, actor_of(in_a), "代开发票找我")
    assert QueueItem.objects.get(object_id=held.pk).hidden
    censored = post_chat(in_a, actor_of(in_a), "不要赌 博")
    assert censored.payload["text"] == "不要＊＊＊"
    # Branch B is outside branch A's subtree: its lists do not apply there.
    assert post_chat(in_b, actor_of(in_b), "不要赌博").payload["text"] == "不要赌博"
    assert not QueueItem.objects.filter(organisation=org_tree.branch_b).exists()


def test_global_lists_are_for_site_staff(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    from kernel.errors import Forbidden

    moderator = member_factory(org_tree.committee, roles=[(RoleKind.MODERATOR, org_tree.committee)])
    with pytest.raises(Forbidden):
        word_list_create(by=actor_of(moderator), organisation=None, name="全局")
    assert word_list_create(by=SYSTEM, organisation=None, name="全局").organisation is None
