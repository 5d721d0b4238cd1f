from __future__ import annotations

import pytest

from forum import selectors, services
from forum.errors import ThreadLocked
from forum.models import Board, Post, PostRevision, PostStatus, Reaction, Thread
from kernel.errors import Forbidden, Invalid, NotAuthenticated, NotFound
from members import services as member_services
from members.access import ANONYMOUS, SYSTEM
from members.models import OrgKind
from moderation import services as moderation_services
from moderation.models import ArchiveRecord, QueueItem, QueueStatus
from moderation.pipeline import ContentBlocked
from moderation.sanctions import Muted
from tests.forum.conftest import events


def test_a_new_organisation_gets_the_usual_boards(db):
    org = member_services.organisation_create(by=SYSTEM, name="新党委", code="NEW-1", kind=OrgKind.COMMITTEE)
    boards = {b.name: b for b in Board.objects.filter(organisation=org)}
    assert set(boards) == {"党员论坛", "学习园地", "党员风采", "社区文化", "通知公告"}
    assert boards["通知公告"].announcements is True
    assert not boards["党员论坛"].announcements
    assert services.boards_create_defaults(organisation=org) == []  # idempotent


def test_thread_create_stores_and_publishes_on_thread_and_board_streams(forum, thread_of):
    post = thread_of("学习二十大精神", "**认真**学习")
    thread = Thread.objects.get(pk=post.thread_id)
    assert thread.opening_post_id == post.pk and thread.post_count == 1 and thread.last_post_id == post.pk
    assert post.html == "<p><strong>认真</strong>学习</p>"
    assert [e["type"] for e in events(f"forum.thread:{thread.pk}")] == ["forum.post.created"]
    board_events = events(f"forum.board:{forum.board.pk}")
    assert board_events[-1]["type"] == "forum.thread.created"
    assert board_events[-1]["thread"]["title"] == "学习二十大精神"
    # Every published version is archived by moderation's content_submit.
    assert ArchiveRecord.objects.filter(content_ref=f"forum.post:{post.pk}", kind="content.published").exists()


def test_markdown_raw_html_is_escaped_and_sanitised(forum, thread_of):
    post = thread_of(text="<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    assert "<script" not in post.html and "<img" not in post.html
    assert "&lt;script&gt;" in post.html  # shown as text, never parsed
    assert "href" not in post.html


def test_member_outside_the_subtree_cannot_read_or_post(forum, actors, thread_of):
    post = thread_of()
    with pytest.raises(Forbidden):
        selectors.board_get_for(actor=actors["carol"], board_id=forum.board.pk)
    with pytest.raises(Forbidden):
        selectors.thread_get_for(actor=actors["carol"], thread_id=post.thread_id)
    with pytest.raises(Forbidden):
        services.post_create(by=actors["carol"], thread_id=post.thread_id, source="我也来")
    with pytest.raises(Forbidden):
        services.thread_create(by=actors["carol"], board_id=forum.board.pk, title="标题", source="内容")
    with pytest.raises(NotAuthenticated):
        selectors.thread_get_for(actor=ANONYMOUS, thread_id=post.thread_id)
    assert forum.board not in selectors.board_list_for(actor=actors["carol"], organisation_id=forum.tree.branch_a.pk)
    # The committee moderator holds a role above branch A, so sees it.
    assert selectors.thread_get_for(actor=actors["moderator"], thread_id=post.thread_id).pk == post.thread_id


def test_announcements_board_only_secretaries_start_threads_members_reply(forum, actors):
    with pytest.raises(Forbidden):
        services.thread_create(by=actors["alice"], board_id=forum.announcements.pk, title="通知", source="内容")
    post = services.thread_create(
        by=actors["secretary"], board_id=forum.announcements.pk, title="通知", source="周五开会"
    )
    reply = services.post_create(by=actors["alice"], thread_id=post.thread_id, source="收到，准时参加")
    assert reply.status == PostStatus.PUBLISHED


def test_reply_with_quote_and_quote_must_be_in_the_thread(forum, actors, thread_of):
    first = thread_of()
    other = thread_of("另一个", "别处的话")
    reply = services.post_create(by=actors["bob"], thread_id=first.thread_id, source="同意", quote_id=first.pk)
    assert reply.quote_id == first.pk
    assert selectors.post_out(reply).quote.excerpt == "大家好"
    with pytest.raises(Invalid):
        services.post_create(by=actors["bob"], thread_id=first.thread_id, source="同意", quote_id=other.pk)
    assert Thread.objects.get(pk=first.thread_id).post_count == 2


def test_locked_thread_refuses_replies_and_only_managers_lock(forum, actors, thread_of):
    post = thread_of()
    with pytest.raises(Forbidden):
        services.thread_lock(by=actors["alice"], thread_id=post.thread_id, locked=True)
    services.thread_lock(by=actors["secretary"], thread_id=post.thread_id, locked=True)
    with pytest.raises(ThreadLocked) as refused:
        services.post_create(by=actors["bob"], thread_id=post.thread_id, source="还能回吗")
    assert refused.value.code == "thread_locked"
    assert Post.objects.filter(thread_id=post.thread_id).count() == 1
    assert events(f"forum.thread:{post.thread_id}")[-1]["thread"]["locked"] is True


def test_pin_and_move_by_moderator_and_secretary(forum, actors, thread_of):
    post = thread_of()
    with pytest.raises(Forbidden):
        services.thread_pin(by=actors["bob"], thread_id=post.thread_id, pinned=True)
    services.thread_pin(by=actors["moderator"], thread_id=post.thread_id, pinned=True)
    page = selectors.board_threads(actor=actors["alice"], board=forum.board)
    assert [t.pk for t in page.pinned] == [post.thread_id]
    study = Board.objects.get(organisation=forum.tree.branch_a, name="学习园地")
    moved = services.thread_move(by=actors["secretary"], thread_id=post.thread_id, board_id=study.pk)
    assert moved.board_id == study.pk
    assert events(f"forum.board:{forum.board.pk}")[-1]["type"] == "forum.thread.updated"
    assert events(f"forum.board:{study.pk}")[-1]["thread"]["board_id"] == study.pk
    # A secretary of branch A cannot move it to branch B's board.
    b_board = Board.objects.get(organisation=forum.tree.branch_b, name="党员论坛")
    with pytest.raises(Forbidden):
        services.thread_move(by=actors["secretary"], thread_id=post.thread_id, board_id=b_board.pk)


def test_edit_keeps_every_revision_and_marks_edited(forum, actors, thread_of):
    post = thread_of(text="第一版")
    services.post_edit(by=actors["alice"], post_id=post.pk, source="第二版")
    edited = services.post_edit(by=actors["alice"], post_id=post.pk, source="第三版")
    assert edited.edited_at is not None and "第三版" in edited.html
    assert list(PostRevision.objects.filter(post=post).values_list("number", flat=True)) == [1, 2, 3]
    history = selectors.post_revisions_for(actor=actors["bob"], post_id=post.pk)
    assert ["第一版" in history[0].html, "第三版" in history[2].html] == [True, True]
    assert selectors.post_out(edited).edited is True
    with pytest.raises(Forbidden):
        services.post_edit(by=actors["bob"], post_id=post.pk, source="我改的")
    assert events(f"forum.thread:{post.thread_id}")[-1]["type"] == "forum.post.edited"


def test_delete_is_soft_by_author_or_moderator(forum, actors, thread_of):
    first = thread_of()
    reply = services.post_create(by=actors["bob"], thread_id=first.thread_id, source="要删的话")
    with pytest.raises(Forbidden):
        services.post_delete(by=actors["alice"], post_id=reply.pk)
    services.post_delete(by=actors["bob"], post_id=reply.pk)
    reply.refresh_from_db()
    assert reply.deleted_at is not None and Post.objects.filter(pk=reply.pk).exists()
    out = selectors.post_out(reply)
    assert out.deleted and out.html == ""
    assert events(f"forum.thread:{first.thread_id}")[-1] == {"type": "forum.post.deleted", "post_id": reply.pk}
    other = services.post_create(by=actors["bob"], thread_id=first.thread_id, source="再说一句")
    services.post_delete(by=actors["moderator"], post_id=other.pk)
    assert Thread.objects.get(pk=first.thread_id).post_count == 1


def test_reactions_one_per_member_per_kind(forum, actors, thread_of):
    post = thread_of()
    services.reaction_set(by=actors["bob"], post_id=post.pk, kind="like", on=True)
    counts = services.reaction_set(by=actors["bob"], post_id=post.pk, kind="like", on=True)
    assert counts == {"like": 1}
    counts = services.reaction_set(by=actors["secretary"], post_id=post.pk, kind="like", on=True)
    assert counts == {"like": 2}
    services.reaction_set(by=actors["bob"], post_id=post.pk, kind="flower", on=True)
    counts = services.reaction_set(by=actors["bob"], post_id=post.pk, kind="like", on=False)
    assert counts == {"like": 1, "flower": 1}
    assert Reaction.objects.filter(post=post).count() == 2
    assert events(f"forum.thread:{post.thread_id}")[-1]["reactions"] == {"like": 1, "flower": 1}
    with pytest.raises(Invalid):
        services.reaction_set(by=actors["bob"], post_id=post.pk, kind="angry", on=True)
    with pytest.raises(Forbidden):
        services.reaction_set(by=actors["carol"], post_id=post.pk, kind="like", on=True)


def test_muted_member_cannot_post(forum, actors, thread_of):
    post = thread_of()
    moderation_services.sanction_apply(
        by=actors["moderator"], member_id=forum.bob.pk, kind="mute", reason="刷屏", minutes=30
    )
    with pytest.raises(Muted) as refused:
        services.post_create(by=actors["bob"], thread_id=post.thread_id, source="我被禁言了吗")
    assert refused.value.code == "muted"
    assert Post.objects.filter(thread_id=post.thread_id).count() == 1


def test_blocked_post_is_refused_with_reasons_and_nothing_stored(forum, actors, thread_of, words):
    post = thread_of()
    words(("违禁词", "block"))
    before = events(f"forum.thread:{post.thread_id}")
    with pytest.raises(ContentBlocked) as refused:
        services.post_create(by=actors["bob"], thread_id=post.thread_id, source="这里有违禁词")
    assert refused.value.details["reasons"][0]["code"] == "word_block"
    assert Post.objects.filter(thread_id=post.thread_id).count() == 1
    assert events(f"forum.thread:{post.thread_id}") == before
    with pytest.raises(ContentBlocked):
        services.post_create(by=actors["bob"], thread_id=post.thread_id, source="文件 机密★1年 内容")


def test_censored_post_stores_and_shows_the_censored_text(forum, actors, thread_of, words):
    post = thread_of()
    words(("坏话", "censor"))
    reply = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="说了坏话")
    assert reply.censored and reply.status == PostStatus.PUBLISHED
    assert "坏话" not in reply.html and "＊＊" in reply.html
    assert "坏话" not in events(f"forum.thread:{post.thread_id}")[-1]["post"]["html"]


def test_held_post_is_hidden_from_others_until_approved(forum, actors, thread_of, words):
    post = thread_of()
    words(("待审词", "hold"))
    held = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="包含待审词的内容")
    assert held.status == PostStatus.HELD and held.status_reason
    thread = selectors.thread_get_for(actor=actors["alice"], thread_id=post.thread_id)
    assert held.pk not in [p.pk for p in selectors.thread_posts(actor=actors["alice"], thread=thread).posts]
    bob_thread = selectors.thread_get_for(actor=actors["bob"], thread_id=post.thread_id)
    assert held.pk in [p.pk for p in selectors.thread_posts(actor=actors["bob"], thread=bob_thread).posts]
    assert [e["type"] for e in events(f"forum.thread:{post.thread_id}")] == ["forum.post.created"]
    item = QueueItem.objects.get(object_id=held.pk, status=QueueStatus.PENDING)
    moderation_services.queue_approve(by=actors["moderator"], item_id=item.pk)
    held.refresh_from_db()
    assert held.status == PostStatus.PUBLISHED
    assert events(f"forum.thread:{post.thread_id}")[-1]["post"]["id"] == held.pk
    assert Thread.objects.get(pk=post.thread_id).post_count == 2


def test_rejected_post_tells_its_author_why(forum, actors, thread_of, words):
    post = thread_of()
    words(("待审词", "hold"))
    held = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="包含待审词的内容")
    item = QueueItem.objects.get(object_id=held.pk, status=QueueStatus.PENDING)
    moderation_services.queue_reject(by=actors["moderator"], item_id=item.pk, reason="与主题无关")
    held.refresh_from_db()
    assert held.status == PostStatus.REJECTED and held.status_reason == "与主题无关"
    notice = events(f"user:{forum.bob.pk}")[-1]
    assert notice["type"] == "forum.notification.created"
    assert notice["notification"]["payload"]["reason"] == "与主题无关"


def test_held_opening_post_keeps_the_thread_unpublished(forum, actors, words):
    words(("待审词", "hold"))
    post = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="标题", source="有待审词")
    with pytest.raises(NotFound):
        selectors.thread_get_for(actor=actors["bob"], thread_id=post.thread_id)
    assert selectors.thread_get_for(actor=actors["alice"], thread_id=post.thread_id)
    assert events(f"forum.board:{forum.board.pk}") == []
    item = QueueItem.objects.get(object_id=post.pk, status=QueueStatus.PENDING)
    moderation_services.queue_approve(by=actors["moderator"], item_id=item.pk)
    assert selectors.thread_get_for(actor=actors["bob"], thread_id=post.thread_id)
    assert events(f"forum.board:{forum.board.pk}")[-1]["type"] == "forum.thread.created"


def test_flagged_word_publishes_and_queues(forum, actors, thread_of, words):
    post = thread_of()
    words(("注意词", "flag"))
    reply = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="一个注意词")
    assert reply.status == PostStatus.PUBLISHED and reply.flagged
    assert QueueItem.objects.filter(object_id=reply.pk, status=QueueStatus.PENDING, reason="flagged").exists()


def test_members_flags_hide_a_post(forum, actors, thread_of):
    post = thread_of()
    reply = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="有争议的话")
    moderation_services.flag_create(by=actors["moderator"], ref=f"forum.post:{reply.pk}", reason="abuse")
    reply.refresh_from_db()
    assert reply.hidden
    thread = selectors.thread_get_for(actor=actors["alice"], thread_id=post.thread_id)
    assert reply.pk not in [p.pk for p in selectors.thread_posts(actor=actors["alice"], thread=thread).posts]
    assert events(f"forum.thread:{post.thread_id}")[-1] == {"type": "forum.post.hidden", "post_id": reply.pk}


def test_client_id_makes_a_retried_post_stored_once(forum, actors, thread_of):
    post = thread_of()
    a = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="只发一次", cid="c-1")
    b = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="只发一次", cid="c-1")
    assert a.pk == b.pk
    assert Post.objects.filter(thread_id=post.thread_id).count() == 2


def test_moderator_edit_and_approve_replaces_the_text_and_keeps_a_revision(forum, actors, thread_of, words):
    post = thread_of()
    words(("待审词", "hold"))
    held = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="原文有待审词")
    item = QueueItem.objects.get(object_id=held.pk, status=QueueStatus.PENDING)
    moderation_services.queue_edit_approve(by=actors["moderator"], item_id=item.pk, text="<p>审核员改过的文字</p>")
    held.refresh_from_db()
    assert held.status == PostStatus.PUBLISHED and held.html == "<p>审核员改过的文字</p>"
    assert held.text == "审核员改过的文字"
    assert PostRevision.objects.filter(post=held).count() == 2
    assert events(f"forum.thread:{post.thread_id}")[-1]["post"]["html"] == "<p>审核员改过的文字</p>"


def test_a_post_under_review_cannot_be_edited_until_decided(forum, actors, thread_of, words):
    from forum.errors import AwaitingReview

    post = thread_of()
    words(("待审词", "hold"))
    held = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="有待审词")
    with pytest.raises(AwaitingReview):
        services.post_edit(by=actors["bob"], post_id=held.pk, source="还是待审词")
    item = QueueItem.objects.get(object_id=held.pk, status=QueueStatus.PENDING)
    moderation_services.queue_approve(by=actors["moderator"], item_id=item.pk)
    edited = services.post_edit(by=actors["bob"], post_id=held.pk, source="再次出现待审词")
    assert edited.status == PostStatus.HELD  # the edit is held again, a new queue item
    assert QueueItem.objects.filter(object_id=held.pk, status=QueueStatus.PENDING).count() == 1


def test_approving_an_older_held_post_keeps_the_latest_post_last(forum, actors, thread_of, words):
    post = thread_of()
    words(("待审词", "hold"))
    held = services.post_create(by=actors["bob"], thread_id=post.thread_id, source="待审词")
    newer = services.post_create(by=actors["alice"], thread_id=post.thread_id, source="后来的回复")
    item = QueueItem.objects.get(object_id=held.pk, status=QueueStatus.PENDING)
    moderation_services.queue_approve(by=actors["moderator"], item_id=item.pk)
    thread = Thread.objects.get(pk=post.thread_id)
    assert thread.last_post_id == newer.pk and thread.post_count == 3


def test_thread_title_goes_through_the_pipeline_too(forum, actors, words):
    words(("坏话", "censor"), ("注意词", "flag"), ("待审词", "hold"), ("违禁词", "block"))
    with pytest.raises(ContentBlocked):
        services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="违禁词", source="正文")
    censored = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="说坏话", source="正文")
    assert censored.thread.title == "说＊＊"
    flagged = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="注意词", source="正文")
    assert flagged.thread.published and QueueItem.objects.filter(object_id=flagged.pk, reason="flagged").exists()
    held = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="待审词", source="正文")
    assert not Thread.objects.get(pk=held.thread_id).published and held.status == PostStatus.HELD
    record = ArchiveRecord.objects.get(content_ref=f"forum.post:{censored.pk}", kind="content.published")
    assert record.payload["text"] == "<h4>说＊＊</h4><p>正文</p>"
