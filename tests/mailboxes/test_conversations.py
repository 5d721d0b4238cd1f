"""Heart-to-heart conversations: who may talk to whom, privacy, idempotent sends, the guard."""

from __future__ import annotations

import pytest

from kernel.errors import Forbidden, NotFound
from mailboxes import selectors, services
from members.access import can_open_conversation
from realtime.models import StreamEvent

pytestmark = pytest.mark.django_db


def test_members_talk_with_leaders_of_their_chain_and_their_own_branch(people, actor_of):
    alice = actor_of(people.alice)
    assert can_open_conversation(alice, people.secretary)  # her branch secretary
    assert can_open_conversation(alice, people.inspector)  # an inspector at the committee above
    assert can_open_conversation(alice, people.bob)  # same branch, another group level
    assert not can_open_conversation(alice, people.carol)  # another branch
    assert not can_open_conversation(alice, people.secretary_b)  # another branch's secretary
    assert not can_open_conversation(alice, people.alice)
    # The secretary may start a talk with a member she leads; branch B's secretary may not.
    assert can_open_conversation(actor_of(people.secretary), people.alice)
    assert not can_open_conversation(actor_of(people.secretary_b), people.alice)
    partners = set(selectors.partners_for(actor=alice).values_list("pk", flat=True))
    assert {people.secretary.pk, people.inspector.pk, people.bob.pk} <= partners
    assert not partners & {people.carol.pk, people.secretary_b.pk, people.alice.pk}
    with pytest.raises(Forbidden):
        services.conversation_open(by=alice, other_id=people.carol.pk)


def test_one_conversation_per_pair_whoever_opens_it(people, actor_of):
    one = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    two = services.conversation_open(by=actor_of(people.secretary), other_id=people.alice.pk)
    assert one.pk == two.pk


def test_nobody_else_reads_a_conversation_not_pages_api_moderators_or_superusers(people, actor_of, client_for):
    c = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    services.message_send(by=actor_of(people.alice), conversation_id=c.pk, text="书记，我想谈谈思想上的困惑")
    for outsider in (people.moderator, people.secretary_b, people.superuser, people.inspector, people.bob):
        with pytest.raises(NotFound):
            selectors.messages_for(actor=actor_of(outsider), conversation_id=c.pk)
        client = client_for(outsider)
        api = client.get(f"/api/mailbox/conversations/{c.pk}")
        assert api.status_code == 404 and api.json()["code"] == "not_found"
        assert "困惑" not in api.content.decode()
        page = client.get(f"/mailbox/c/{c.pk}/")
        assert page.status_code == 404 and "困惑" not in page.content.decode()
        sent = client.post(
            f"/api/mailbox/conversations/{c.pk}/messages", {"text": "插一句"}, content_type="application/json"
        )
        assert sent.status_code == 404
        assert all("困惑" not in str(row) for row in client.get("/api/mailbox/conversations").json())
    mine = client_for(people.secretary).get(f"/api/mailbox/conversations/{c.pk}").json()
    assert [m["text"] for m in mine["messages"]] == ["书记，我想谈谈思想上的困惑"]


def test_the_same_client_id_is_stored_once(people, actor_of, client_for):
    c = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    client = client_for(people.alice)
    url = f"/api/mailbox/conversations/{c.pk}/messages"
    first = client.post(url, {"text": "重发的消息", "cid": "c-1"}, content_type="application/json")
    again = client.post(url, {"text": "重发的消息", "cid": "c-1"}, content_type="application/json")
    assert first.status_code == again.status_code == 201
    assert first.json()["seq"] == again.json()["seq"]
    assert StreamEvent.objects.filter(stream=c.stream, payload__type="mailbox.message.sent").count() == 1


def test_messages_pass_the_confidentiality_guard_but_no_word_list(people, actor_of, client_for):
    from members.access import SYSTEM
    from moderation.services import word_entries_set, word_list_create

    words = word_list_create(by=SYSTEM, organisation=None, name="论坛词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("发牢骚", "block")])
    c = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    client = client_for(people.alice)
    url = f"/api/mailbox/conversations/{c.pk}/messages"
    classified = client.post(url, {"text": "这份文件是 机密★1年 的"}, content_type="application/json")
    assert classified.status_code == 422 and classified.json()["code"] == "content_blocked"
    markup = client.post(url, {"text": "我想发牢骚 <script>alert(1)</script>"}, content_type="application/json")
    assert markup.status_code == 201
    # Plain text: stored as written (no word list applies), shown as text, never as markup.
    texts = [m["text"] for m in client.get(f"/api/mailbox/conversations/{c.pk}").json()["messages"]]
    assert texts == ["我想发牢骚 <script>alert(1)</script>"]
    page = client.get(f"/mailbox/c/{c.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    stored = StreamEvent.objects.filter(stream=c.stream).values_list("payload", flat=True)
    assert all("机密" not in str(payload) for payload in stored)


def test_unread_counts_read_receipts_and_the_home_page(
    people, actor_of, client_for, django_capture_on_commit_callbacks
):
    alice = actor_of(people.alice)
    c = services.conversation_open(by=alice, other_id=people.secretary.pk)
    for text in ("第一条", "第二条"):
        with django_capture_on_commit_callbacks(execute=True):
            services.message_send(by=alice, conversation_id=c.pk, text=text)
    assert selectors.unread_total(member_id=people.secretary.pk) == 2
    assert selectors.unread_total(member_id=people.alice.pk) == 0
    home = client_for(people.secretary).get("/").content.decode()
    assert f'href="/mailbox/c/{c.pk}/"' in home and "张三" in home
    user_events = StreamEvent.objects.filter(
        stream=f"user:{people.secretary.pk}", payload__type="mailbox.unread.changed"
    )
    assert user_events.order_by("-seq").first().payload["unread"] == 2
    # Opening the page reads it: a receipt event for alice, and the count drops to nothing.
    client_for(people.secretary).get(f"/mailbox/c/{c.pk}/")
    assert selectors.unread_total(member_id=people.secretary.pk) == 0
    receipt = StreamEvent.objects.filter(stream=c.stream, payload__type="mailbox.conversation.read").get()
    assert receipt.payload == {"type": "mailbox.conversation.read", "member": people.secretary.pk, "upto": 2}
    assert f'href="/mailbox/c/{c.pk}/"' not in client_for(people.secretary).get("/").content.decode()
    page = client_for(people.alice).get(f"/mailbox/c/{c.pk}/").content.decode()
    assert 'data-other-read="2"' in page


def test_the_conversation_list_newest_first_with_the_other_side_and_unread_counts(people, actor_of, client_for):
    with_alice = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    with_bob = services.conversation_open(by=actor_of(people.secretary), other_id=people.bob.pk)
    services.message_send(by=actor_of(people.bob), conversation_id=with_bob.pk, text="书记好")
    services.message_send(by=actor_of(people.alice), conversation_id=with_alice.pk, text="第一条")
    services.message_send(by=actor_of(people.alice), conversation_id=with_alice.pk, text="第二条")
    services.message_send(by=actor_of(people.secretary), conversation_id=with_alice.pk, text="收到")

    def row(c, other, unread, seq):  # type: ignore[no-untyped-def]
        person = {"id": other.pk, "real_name": other.real_name, "organisation": other.organisation.name}
        return {"id": c.pk, "stream": c.stream, "other": person, "unread": unread, "seq": seq}

    listed = client_for(people.secretary).get("/api/mailbox/conversations").json()
    assert listed == [row(with_alice, people.alice, 2, 3), row(with_bob, people.bob, 1, 1)]
    assert [r.conversation.pk for r in selectors.conversations_for(actor=actor_of(people.secretary))] == [
        with_alice.pk, with_bob.pk,
    ]  # fmt: skip
    page = client_for(people.secretary).get("/mailbox/").content.decode()
    assert page.index(f'href="/mailbox/c/{with_alice.pk}/"') < page.index(f'href="/mailbox/c/{with_bob.pk}/"')
    assert client_for(people.bob).get("/api/mailbox/conversations").json() == [row(with_bob, people.secretary, 0, 1)]


def test_reporting_abuse_sends_that_one_message_to_moderation_with_consent(people, actor_of, client_for):
    from moderation.models import QueueItem

    alice, bob = actor_of(people.alice), actor_of(people.bob)
    c = services.conversation_open(by=bob, other_id=people.alice.pk)
    services.message_send(by=bob, conversation_id=c.pk, text="你再不听话我就找人收拾你")
    services.message_send(by=bob, conversation_id=c.pk, text="另外一句私事")
    api = client_for(people.alice)
    url = f"/api/mailbox/conversations/{c.pk}/report"
    no_consent = api.post(url, {"seq": 1, "reason": "威胁", "consent": False}, content_type="application/json")
    assert no_consent.status_code == 400
    assert not QueueItem.objects.exists()
    assert (
        api.post(url, {"seq": 1, "reason": "威胁", "consent": True}, content_type="application/json").status_code == 201
    )
    item = QueueItem.objects.get()
    shown = str(item.details) + str(getattr(item, "excerpt", ""))
    assert "收拾你" in shown and "私事" not in shown
    # The reporter's own message cannot be reported by them; the same one only once.
    services.message_send(by=alice, conversation_id=c.pk, text="请你尊重人")
    own = api.post(url, {"seq": 3, "consent": True}, content_type="application/json")
    assert own.status_code == 400
    assert api.post(url, {"seq": 1, "consent": True}, content_type="application/json").status_code == 409


def test_a_refused_message_comes_back_with_what_was_typed(people, actor_of, client_for):
    c = services.conversation_open(by=actor_of(people.alice), other_id=people.secretary.pk)
    refused = client_for(people.alice).post(f"/mailbox/c/{c.pk}/", {"text": "附上 机密★1年 文件的内容"})
    page = refused.content.decode()
    assert refused.status_code == 422 and "附上 机密★1年 文件的内容</textarea>" in page
    assert not StreamEvent.objects.filter(stream=c.stream).exists()


def test_the_whole_history_is_reachable_page_by_page(people, actor_of, client_for, settings):
    settings.REALTIME_SEND_RATE = (1000.0, 1000)
    alice = actor_of(people.alice)
    c = services.conversation_open(by=alice, other_id=people.secretary.pk)
    for i in range(1, 56):
        services.message_send(by=alice, conversation_id=c.pk, text=f"第{i}条消息")
    client = client_for(people.secretary)
    latest = client.get(f"/mailbox/c/{c.pk}/").content.decode()
    assert "第55条消息" in latest and "第6条消息" in latest and "第5条消息<" not in latest
    assert 'href="?before=6"' in latest
    older = client.get(f"/mailbox/c/{c.pk}/", {"before": 6}).content.decode()
    assert "第1条消息" in older and "第5条消息" in older and "第6条消息" not in older
    assert 'id="older-messages"' not in older and 'data-live="0"' in older and 'id="send"' not in older
