"""Every write and read path keeps to the three seams: moderation, the access policy, the gateway.

Replies to a thread awaiting review, edit history, notifications of posts that went away, a
withdrawn opening post, counters after a withdrawn last post, sanctions on reactions and uploads,
file names through the confidentiality guard, mentions added by an edit.
"""

from __future__ import annotations

import io
import json

import pytest

from forum import selectors, services
from forum.errors import ThreadAwaitingReview
from forum.models import Attachment, Board, Notification, Post, Thread
from kernel.errors import NotFound
from members.models import RoleKind
from moderation import services as moderation_services
from moderation.models import QueueItem, QueueStatus
from moderation.pipeline import ContentBlocked
from moderation.sanctions import Muted
from tests.forum.conftest import events

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pending_item(post: Post) -> QueueItem:
    return QueueItem.objects.get(object_id=post.pk, status=QueueStatus.PENDING)


def test_a_thread_awaiting_review_takes_no_replies_so_nothing_of_it_reaches_the_board(forum, actors, words):
    words(("待审词", "hold"))
    opening = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="待审词的标题", source="正文")
    with pytest.raises(ThreadAwaitingReview) as refused:
        services.post_create(
            by=actors["alice"], thread_id=opening.thread_id, source=f"@{forum.bob.user.username} 快来看"
        )
    assert refused.value.code == "thread_awaiting_review"
    assert events(f"forum.board:{forum.board.pk}") == []
    assert not Notification.objects.filter(member=forum.bob).exists()
    assert Post.objects.filter(thread_id=opening.thread_id).count() == 1
    moderation_services.queue_approve(by=actors["moderator"], item_id=pending_item(opening).pk)
    reply = services.post_create(by=actors["bob"], thread_id=opening.thread_id, source="审核通过了")
    assert reply.is_public


def test_history_shows_others_only_the_versions_that_passed_moderation(forum, actors, thread_of, words):
    post = thread_of(text="第一版")
    words(("待审词", "hold"))
    services.post_edit(by=actors["alice"], post_id=post.pk, source="第二版有待审词")
    # Held: the post is out of sight for bob; its author and moderators see both versions.
    with pytest.raises(NotFound):
        selectors.post_revisions_for(actor=actors["bob"], post_id=post.pk)
    mine = selectors.post_revisions_for(actor=actors["alice"], post_id=post.pk)
    assert [(r.number, r.published) for r in mine] == [(1, True), (2, False)]
    assert len(selectors.post_revisions_for(actor=actors["moderator"], post_id=post.pk)) == 2
    # The moderator rewrites the held version: readers see the first and the rewritten one only.
    moderation_services.queue_edit_approve(by=actors["moderator"], item_id=pending_item(post).pk, text="<p>第三版</p>")
    seen = selectors.post_revisions_for(actor=actors["bob"], post_id=post.pk)
    assert [r.number for r in seen] == [1, 3]
    assert all("待审词" not in r.html for r in seen)
    # A held edit approved as it is joins the public history.
    services.post_edit(by=actors["alice"], post_id=post.pk, source="第四版又有待审词")
    moderation_services.queue_approve(by=actors["moderator"], item_id=pending_item(post).pk)
    assert [r.number for r in selectors.post_revisions_for(actor=actors["bob"], post_id=post.pk)] == [1, 3, 4]


def test_history_page_and_api_hide_unpublished_versions_from_readers(forum, actors, thread_of, words, client_for):
    post = thread_of(text="原来的话")
    words(("待审词", "hold"))
    services.post_edit(by=actors["alice"], post_id=post.pk, source="改成待审词")
    moderation_services.queue_edit_approve(by=actors["moderator"], item_id=pending_item(post).pk, text="<p>改好</p>")
    api = client_for(forum.bob).get(f"/api/forum/posts/{post.pk}/revisions").json()
    assert [r["html"] for r in api] == ["<p>原来的话</p>", "<p>改好</p>"]
    assert "待审词" not in client_for(forum.bob).get(f"/forum/p/{post.pk}/history/").content.decode()
    author_page = client_for(forum.alice).get(f"/forum/p/{post.pk}/history/").content.decode()
    assert "待审词" in author_page and "仅你和审核员可见" in author_page


def test_a_notification_of_a_post_that_went_away_keeps_nothing_of_it(forum, actors, thread_of, client_for):
    first = thread_of()
    mention = f"@{forum.bob.user.username}"
    deleted = services.post_create(by=actors["alice"], thread_id=first.thread_id, source=f"{mention} 要删的秘密话")
    flagged = services.post_create(by=actors["alice"], thread_id=first.thread_id, source=f"{mention} 被举报的话")
    kept = services.post_create(by=actors["alice"], thread_id=first.thread_id, source=f"{mention} 留着的话")
    services.post_delete(by=actors["alice"], post_id=deleted.pk)
    moderation_services.flag_create(by=actors["moderator"], ref=f"forum.post:{flagged.pk}", reason="abuse")
    rows = client_for(forum.bob).get("/api/forum/notifications").json()
    by_post = {row["payload"]["post_id"]: row for row in rows}
    assert by_post[kept.pk]["available"] and "留着的话" in by_post[kept.pk]["payload"]["excerpt"]
    for gone in (deleted, flagged):
        assert by_post[gone.pk]["available"] is False
        assert by_post[gone.pk]["payload"] == {"thread_id": first.thread_id, "post_id": gone.pk}
    page = client_for(forum.bob).get("/forum/notifications/").content.decode()
    assert "留着的话" in page and "秘密话" not in page and "被举报" not in page and "已不可查看" in page


def test_a_notification_of_a_thread_moved_out_of_sight_is_no_longer_shown(
    forum, actors, thread_of, client_for, member_factory, actor_of
):
    text = f"@{forum.bob.user.username} 请看"
    post = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="支部内部", source=text)
    assert client_for(forum.bob).get("/api/forum/notifications").json()[0]["available"] is True
    # A committee secretary moves the thread to a board of branch B, out of bob's sight.
    committee_secretary = actor_of(
        member_factory(forum.tree.committee, roles=[(RoleKind.SECRETARY, forum.tree.committee)])
    )
    b_board = Board.objects.get(organisation=forum.tree.branch_b, name="党员论坛")
    services.thread_move(by=committee_secretary, thread_id=post.thread_id, board_id=b_board.pk)
    row = client_for(forum.bob).get("/api/forum/notifications").json()[0]
    assert row["available"] is False and "支部内部" not in json.dumps(row, ensure_ascii=False)


@pytest.mark.parametrize("decision", ["reject", "hide"])
def test_a_withdrawn_opening_post_takes_its_title_off_the_board(forum, actors, words, client_for, decision):
    words(("注意词", "flag"))
    opening = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="注意词标题", source="正文")
    services.post_create(by=actors["bob"], thread_id=opening.thread_id, source="回复一句")
    if decision == "reject":
        moderation_services.queue_reject(by=actors["moderator"], item_id=pending_item(opening).pk, reason="不妥")
    else:
        moderation_services.flag_create(by=actors["moderator"], ref=f"forum.post:{opening.pk}", reason="abuse")
    assert events(f"forum.board:{forum.board.pk}")[-1] == {
        "type": "forum.thread.hidden",
        "thread_id": opening.thread_id,
    }
    page = selectors.board_threads(actor=actors["bob"], board=forum.board)
    assert opening.thread_id not in [t.pk for t in page.threads]
    with pytest.raises(NotFound):
        selectors.thread_get_for(actor=actors["bob"], thread_id=opening.thread_id)
    assert selectors.posts_search(actor=actors["bob"], query="回复") == []
    assert "注意词标题" not in client_for(forum.bob).get(f"/forum/b/{forum.board.pk}/").content.decode()
    assert selectors.thread_get_for(actor=actors["alice"], thread_id=opening.thread_id)  # its author still sees it
    if decision == "hide":  # a moderator who approves it puts it back
        moderation_services.queue_approve(by=actors["moderator"], item_id=pending_item(opening).pk)
        assert selectors.thread_get_for(actor=actors["bob"], thread_id=opening.thread_id)
        assert events(f"forum.board:{forum.board.pk}")[-1]["type"] == "forum.thread.created"


def test_a_withdrawn_last_post_leaves_no_phantom_unread_thread(forum, actors, thread_of, words):
    first = thread_of()
    services.thread_mark_read(by=actors["bob"], thread_id=first.thread_id, post_id=first.pk)
    doomed = services.post_create(by=actors["alice"], thread_id=first.thread_id, source="马上删掉")
    assert {b.pk: b.unread_threads for b in selectors.board_list_for(actor=actors["bob"])}[forum.board.pk] == 1
    services.post_delete(by=actors["alice"], post_id=doomed.pk)
    thread = Thread.objects.get(pk=first.thread_id)
    assert thread.last_post_id == first.pk and thread.post_count == 1
    assert {b.pk: b.unread_threads for b in selectors.board_list_for(actor=actors["bob"])}[forum.board.pk] == 0
    words(("待审词", "hold"))
    edited = services.post_create(by=actors["alice"], thread_id=first.thread_id, source="先正常")
    services.post_edit(by=actors["alice"], post_id=edited.pk, source="后来改成待审词")
    assert Thread.objects.get(pk=first.thread_id).last_post_id == first.pk
    assert {b.pk: b.unread_threads for b in selectors.board_list_for(actor=actors["bob"])}[forum.board.pk] == 0


def test_a_muted_member_neither_reacts_nor_uploads_on_any_path(forum, actors, thread_of, client_for):
    post = thread_of()
    moderation_services.sanction_apply(
        by=actors["moderator"], member_id=forum.bob.pk, kind="mute", reason="刷屏", minutes=30
    )
    with pytest.raises(Muted):
        services.reaction_set(by=actors["bob"], post_id=post.pk, kind="like", on=True)
    bob = client_for(forum.bob)
    refused = bob.post(f"/api/forum/posts/{post.pk}/reactions", data={"kind": "like"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "muted"
    with pytest.raises(Muted):
        services.attachment_upload(by=actors["bob"], name="a.png", stream=io.BytesIO(PNG))
    assert not post.reactions.exists()


def test_a_classification_marking_in_a_file_name_is_stopped(forum, actors, client_for):
    with pytest.raises(ContentBlocked):
        services.attachment_upload(by=actors["alice"], name="会议纪要 机密★1年.png", stream=io.BytesIO(PNG))
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = client_for(forum.alice).post(
        "/api/forum/attachments", {"file": SimpleUploadedFile("绝密★长期.png", PNG, "image/png")}
    )
    assert upload.status_code == 422 and upload.json()["code"] == "content_blocked"
    assert not Attachment.objects.exists()


def test_an_edit_that_adds_a_mention_notifies_the_newcomer_once(forum, actors, thread_of, words, member_factory):
    dave = member_factory(forum.tree.group_a1, real_name="丁")
    post = thread_of(text=f"@{forum.bob.user.username} 你好")
    services.post_edit(by=actors["alice"], post_id=post.pk, source=f"@{forum.bob.user.username} @{dave.user.username}")
    assert Notification.objects.filter(member=forum.bob, kind="mention").count() == 1
    assert Notification.objects.filter(member=dave, kind="mention").count() == 1
    # A held edit approved later notifies nobody a second time.
    words(("待审词", "hold"))
    services.post_edit(by=actors["alice"], post_id=post.pk, source=f"@{dave.user.username} 待审词")
    moderation_services.queue_approve(by=actors["moderator"], item_id=pending_item(post).pk)
    assert Notification.objects.filter(member=dave, kind="mention").count() == 1


def test_publicity_members_start_announcements_and_boards_say_who_may(forum, member_factory, actor_of, client_for):
    publicity = member_factory(forum.tree.branch_a, roles=[(RoleKind.PUBLICITY, forum.tree.branch_a)])
    post = services.thread_create(
        by=actor_of(publicity), board_id=forum.announcements.pk, title="学习通知", source="周三集中学习"
    )
    assert post.is_public
    flags = {b["id"]: b["can_start_thread"] for b in client_for(forum.alice).get("/api/forum/boards").json()}
    assert flags[forum.announcements.pk] is False and flags[forum.board.pk] is True
    mine = {b["id"]: b["can_start_thread"] for b in client_for(publicity).get("/api/forum/boards").json()}
    assert mine[forum.announcements.pk] is True
    page = client_for(forum.alice).get(f"/forum/b/{forum.announcements.pk}/").content.decode()
    assert f'href="/forum/b/{forum.announcements.pk}/new/"' not in page
    assert client_for(forum.alice).get(f"/forum/b/{forum.announcements.pk}/new/").status_code == 403


def test_managers_move_threads_by_choosing_a_board(forum, thread_of, client_for):
    post = thread_of()
    study = Board.objects.get(organisation=forum.tree.branch_a, name="学习园地")
    page = client_for(forum.secretary).get(f"/forum/t/{post.thread_id}/").content.decode()
    assert f'<option value="{study.pk}">' in page
    assert 'name="board"' not in client_for(forum.bob).get(f"/forum/t/{post.thread_id}/").content.decode()
    moved = client_for(forum.secretary).post(
        f"/forum/t/{post.thread_id}/manage/", {"action": "move", "board": study.pk}
    )
    assert moved.status_code == 302 and Thread.objects.get(pk=post.thread_id).board_id == study.pk


def test_the_stored_notification_event_names_no_title_or_excerpt(forum, actors, thread_of):
    first = thread_of("标题不进事件", "开帖")
    services.post_create(
        by=actors["alice"], thread_id=first.thread_id, source=f"@{forum.bob.user.username} 摘要不进事件"
    )
    [event] = [e for e in events(f"user:{forum.bob.pk}") if e["type"] == "forum.notification.created"]
    assert event["unread"] == 1 and event["notification"]["kind"] == "mention"
    assert set(event["notification"]["payload"]) == {"thread_id", "post_id"}
    assert "不进事件" not in json.dumps(event, ensure_ascii=False)


def test_a_masked_title_or_text_is_said_so_on_the_page(forum, words, client_for):
    words(("坏话", "censor"))
    alice = client_for(forum.alice)
    page = alice.post(f"/forum/b/{forum.board.pk}/new/", {"title": "说坏话的标题", "text": "正文"}, follow=True)
    html = page.content.decode()
    assert "说＊＊的标题" in html and "坏话" not in html
    assert "您帖子中的部分词语已被屏蔽" in html and "部分词语已被屏蔽" in html
    opening = Post.objects.get(thread__title="说＊＊的标题")
    assert opening.censored and opening.is_public


def test_a_flagged_version_a_moderator_rewrote_leaves_the_public_history(forum, actors, thread_of, words):
    words(("注意词", "flag"))
    post = thread_of(text="第一版")
    services.post_edit(by=actors["alice"], post_id=post.pk, source="第二版有注意词")
    assert "注意词" in selectors.post_out(Post.objects.get(pk=post.pk)).html  # flagged: published meanwhile
    moderation_services.queue_edit_approve(by=actors["moderator"], item_id=pending_item(post).pk, text="<p>改写</p>")
    seen = selectors.post_revisions_for(actor=actors["bob"], post_id=post.pk)
    assert [r.html for r in seen] == ["<p>第一版</p>", "<p>改写</p>"]
    assert len(selectors.post_revisions_for(actor=actors["alice"], post_id=post.pk)) == 3
