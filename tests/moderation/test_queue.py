"""Flags, the review queue and its live events, decisions and their hooks, the claim race."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from members.access import Actor
from members.models import Member, RoleKind
from moderation import selectors, services
from moderation.archive import archive_verify
from moderation.models import QueueItem, QueueStatus, StaffAction
from moderation.pipeline import ContentBlocked
from realtime.models import StreamEvent
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.conftest import ChatHooks, PostChat


def queue_events(org_id: int) -> list[str]:
    return [e.payload["type"] for e in StreamEvent.objects.filter(stream=f"moderation.queue:{org_id}").order_by("seq")]


@pytest.fixture
def people(org_tree: OrgTree, member_factory: MemberFactory) -> dict[str, Member]:
    return {
        "author": member_factory(org_tree.group_a1),
        "m1": member_factory(org_tree.group_a1),
        "m2": member_factory(org_tree.group_a1),
        "m3": member_factory(org_tree.group_a1),
        "outsider": member_factory(org_tree.group_b1),
        "mod_a": member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)]),
        "mod_a2": member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)]),
        "mod_top": member_factory(org_tree.committee, roles=[(RoleKind.MODERATOR, org_tree.committee)]),
    }


def test_distinct_flags_hide_at_the_threshold(
    people: dict[str, Member], actor_of: Callable[[Member], Actor], post_chat: PostChat, chat: ChatHooks
) -> None:
    msg = post_chat(people["author"], actor_of(people["author"]), "一条普通的消息")
    ref = f"realtime.streamevent:{msg.pk}"
    services.flag_create(by=actor_of(people["m1"]), ref=ref, reason="spam")
    with pytest.raises(Conflict):
        services.flag_create(by=actor_of(people["m1"]), ref=ref, reason="abuse")  # one flag per member
    services.flag_create(by=actor_of(people["m2"]), ref=ref, reason="abuse")
    item = QueueItem.objects.get(object_id=msg.pk)
    assert not item.hidden and item.details["flags"] == 2
    assert chat.calls == []
    services.flag_create(by=actor_of(people["m3"]), ref=ref, reason="spam", note="广告")
    item.refresh_from_db()
    assert item.hidden and item.details["flags"] == 3
    assert chat.calls == [("hidden", msg.pk, None)]
    # Moderators from the group up to the committee see it live; branch B's do not.
    assert queue_events(people["author"].organisation.pk) == [
        "moderation.queue.added",
        "moderation.queue.updated",
        "moderation.queue.updated",
    ]
    assert queue_events(people["author"].organisation.parent_id) == queue_events(people["author"].organisation.pk)
    assert queue_events(people["outsider"].organisation.pk) == []


def test_threshold_is_configurable_per_organisation(
    org_tree: OrgTree, people: dict[str, Member], actor_of: Callable[[Member], Actor], post_chat: PostChat
) -> None:
    services.policy_set(by=actor_of(people["mod_a"]), organisation=org_tree.branch_a, flag_threshold=1)
    msg = post_chat(people["author"], actor_of(people["author"]), "一条普通的消息")
    services.flag_create(by=actor_of(people["m1"]), ref=f"realtime.streamevent:{msg.pk}", reason="spam")
    assert QueueItem.objects.get(object_id=msg.pk).hidden


def test_a_moderators_flag_hides_at_once(
    people: dict[str, Member], actor_of: Callable[[Member], Actor], post_chat: PostChat, chat: ChatHooks
) -> None:
    msg = post_chat(people["author"], actor_of(people["author"]), "一条普通的消息")
    services.flag_create(by=actor_of(people["mod_a"]), ref=f"realtime.streamevent:{msg.pk}", reason="off_topic")
    assert QueueItem.objects.get(object_id=msg.pk).hidden
    assert chat.calls == [("hidden", msg.pk, None)]


def test_flagging_needs_sight_of_the_content(
    people: dict[str, Member], actor_of: Callable[[Member], Actor], post_chat: PostChat
) -> None:
    msg = post_chat(people["author"], actor_of(people["author"]), "一条普通的消息")
    ref = f"realtime.streamevent:{msg.pk}"
    with pytest.raises(NotFound):
        services.flag_create(by=actor_of(people["outsider"]), ref=ref, reason="spam")
    with pytest.raises(Invalid):
        services.flag_create(by=actor_of(people["author"]), ref=ref, reason="spam")
    with pytest.raises(Invalid):
        services.flag_create(by=actor_of(people["m1"]), ref=ref, reason="boring")


@pytest.fixture
def held_item(
    people: dict[str, Member], actor_of: Callable[[Member], Actor], post_chat: PostChat, org_tree: OrgTree
) -> QueueItem:
    words = services.word_list_create(by=actor_of(people["mod_a"]), organisation=org_tree.branch_a, name="词表")
    services.word_entries_set(by=actor_of(people["mod_a"]), word_list=words, entries=[("代开发票", "hold")])
    msg = post_chat(people["author"], actor_of(people["author"]), "代开发票，联系我")
    return QueueItem.objects.get(object_id=msg.pk)


def test_claim_then_others_cannot_act(
    held_item: QueueItem, people: dict[str, Member], actor_of: Callable[[Member], Actor]
) -> None:
    services.queue_claim(by=actor_of(people["mod_a"]), item_id=held_item.pk)
    services.queue_claim(by=actor_of(people["mod_a"]), item_id=held_item.pk)  # claiming again is fine
    with pytest.raises(Conflict):
        services.queue_claim(by=actor_of(people["mod_a2"]), item_id=held_item.pk)
    with pytest.raises(Conflict):
        services.queue_approve(by=actor_of(people["mod_a2"]), item_id=held_item.pk)
    with pytest.raises(Forbidden):
        services.queue_claim(by=actor_of(people["m1"]), item_id=held_item.pk)
    services.queue_release(by=actor_of(people["mod_a"]), item_id=held_item.pk)
    services.queue_claim(by=actor_of(people["mod_a2"]), item_id=held_item.pk)


def test_approve_reject_edit(
    held_item: QueueItem, people: dict[str, Member], actor_of: Callable[[Member], Actor], chat: ChatHooks,
    post_chat: PostChat,
) -> None:  # fmt: skip
    mod = actor_of(people["mod_a"])
    item = services.queue_approve(by=mod, item_id=held_item.pk)
    assert item.status == QueueStatus.APPROVED and not item.hidden
    assert chat.calls[-1] == ("approved", held_item.object_id, None)
    with pytest.raises(Conflict):
        services.queue_reject(by=mod, item_id=held_item.pk, reason="晚了")

    second = QueueItem.objects.get(object_id=post_chat(people["m1"], actor_of(people["m1"]), "代开发票").pk)
    with pytest.raises(Invalid):
        services.queue_reject(by=mod, item_id=second.pk, reason=" ")
    services.queue_reject(by=mod, item_id=second.pk, reason="广告不允许")
    assert chat.calls[-1] == ("rejected", second.object_id, "广告不允许")

    third = QueueItem.objects.get(object_id=post_chat(people["m2"], actor_of(people["m2"]), "代开发票").pk)
    with pytest.raises(ContentBlocked):
        services.queue_edit_approve(by=mod, item_id=third.pk, text="秘密★ 还是不行")
    services.queue_edit_approve(by=mod, item_id=third.pk, text="<b>已修改</b>")
    assert chat.calls[-1] == ("approved", third.object_id, "<b>已修改</b>")  # plain text, escaped on display
    verbs = list(StaffAction.objects.values_list("verb", flat=True))
    assert {"queue.approve", "queue.reject", "queue.edit_approve"} <= set(verbs)
    assert archive_verify().ok


def test_escalate_moves_the_item_up(
    held_item: QueueItem, people: dict[str, Member], actor_of: Callable[[Member], Actor], org_tree: OrgTree
) -> None:
    # The item sits at the group; branch A's moderators cover it.
    assert held_item.level == org_tree.group_a1
    services.queue_escalate(by=actor_of(people["mod_a"]), item_id=held_item.pk, note="需要党委决定")
    item = QueueItem.objects.get(pk=held_item.pk)
    assert item.level == org_tree.branch_a
    services.queue_escalate(by=actor_of(people["mod_a"]), item_id=held_item.pk)
    item.refresh_from_db()
    assert item.level == org_tree.committee
    # Branch A's moderators no longer see it; the committee's do.
    assert held_item.pk not in [i.pk for i in selectors.queue_items_for(actor=actor_of(people["mod_a"]))]
    assert held_item.pk in [i.pk for i in selectors.queue_items_for(actor=actor_of(people["mod_top"]))]
    with pytest.raises(Forbidden):
        services.queue_approve(by=actor_of(people["mod_a"]), item_id=held_item.pk)
    with pytest.raises(Invalid):
        services.queue_escalate(by=actor_of(people["mod_top"]), item_id=held_item.pk)
    assert "moderation.queue.escalated" in queue_events(org_tree.group_a1.pk)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_racing_to_claim_exactly_one_wins(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor], post_chat: PostChat
) -> None:
    mods = [member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)]) for _ in range(2)]
    author = member_factory(org_tree.group_a1)
    actors = [actor_of(m) for m in mods]
    items = []
    for i in range(5):
        msg = post_chat(author, actor_of(author), f"需要看看的第{i}条")
        services.flag_create(by=actors[0], ref=f"realtime.streamevent:{msg.pk}", reason="other")
        items.append(QueueItem.objects.get(object_id=msg.pk))
    for item in items:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def claim(
            actor: Actor, item_id: int = item.pk, barrier: threading.Barrier = barrier, outcomes: list[str] = outcomes
        ) -> None:
            try:
                barrier.wait()
                services.queue_claim(by=actor, item_id=item_id)
                outcomes.append(f"won:{actor.member_id}")
            except Conflict:
                outcomes.append("lost")
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(a,)) for a in actors]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(o.split(":")[0] for o in outcomes) == ["lost", "won"]
        winner = int(next(o for o in outcomes if o.startswith("won")).split(":")[1])
        assert QueueItem.objects.get(pk=item.pk).claimed_by_id == winner
