"""What the author of a post or thread moderation took away reads on it, and what others see: a
placeholder where a post quotes it (the thread keeps its shape), nothing where none does."""

from __future__ import annotations

import pytest

from forum import services
from members.models import RoleKind
from moderation import services as moderation_services
from moderation.models import QueueItem, QueueStatus

pytestmark = pytest.mark.django_db

PLACEHOLDER = "此内容已被隐藏"


def pending_item(post_id: int) -> QueueItem:
    return QueueItem.objects.get(object_id=post_id, status=QueueStatus.PENDING)


@pytest.fixture
def reader(forum, member_factory):  # type: ignore[no-untyped-def]
    """A member of branch A who neither wrote nor moderates anything here."""
    return member_factory(forum.tree.branch_a, real_name="孙读者")


@pytest.mark.parametrize("decision", ["hide", "reject"])
def test_a_quoted_post_taken_away_keeps_its_place_for_others_and_its_words_for_its_author(
    forum, actors, thread_of, client_for, reader, decision
):
    opening = thread_of()
    taken = services.post_create(by=actors["alice"], thread_id=opening.thread_id, source="要被拿掉的那句话")
    reply = services.post_create(by=actors["bob"], thread_id=opening.thread_id, source="我不同意", quote_id=taken.pk)
    moderation_services.flag_create(by=actors["moderator"], ref=f"forum.post:{taken.pk}", reason="abuse")
    words = "因党员举报而隐藏，等待审核员处理。"
    if decision == "reject":
        moderation_services.queue_reject(by=actors["moderator"], item_id=pending_item(taken.pk).pk, reason="人身攻击")
        words = "被审核员驳回： 人身攻击"

    page = client_for(reader).get(f"/forum/t/{opening.thread_id}/").content.decode()
    assert "要被拿掉的那句话" not in page
    assert page.count(PLACEHOLDER) == 2  # in its place, and in the reply that quotes it
    assert f'id="p{taken.pk}"' in page and f'data-quote="{taken.pk}"' in page

    posts = client_for(reader).get(f"/api/forum/threads/{opening.thread_id}/posts").json()["posts"]
    by_id = {p["id"]: p for p in posts}
    assert by_id[taken.pk]["placeholder"] is True
    assert by_id[taken.pk]["html"] == "" and by_id[taken.pk]["author"] == {"id": None, "name": "—"}
    assert by_id[reply.pk]["quote"] == {
        "id": taken.pk,
        "author": {"id": None, "name": "—"},
        "excerpt": "",
        "hidden": True,
    }
    fragment = client_for(reader).get(f"/forum/p/{taken.pk}/")
    assert fragment.status_code == 200 and PLACEHOLDER in fragment.content.decode()
    assert "要被拿掉" not in fragment.content.decode()

    mine = client_for(forum.alice).get(f"/forum/p/{taken.pk}/").content.decode()
    assert "要被拿掉的那句话" in mine and " ".join(words.split()) in " ".join(mine.split())


def test_a_post_taken_away_that_nobody_quotes_leaves_nothing_for_others(forum, actors, thread_of, client_for, reader):
    opening = thread_of()
    taken = services.post_create(by=actors["alice"], thread_id=opening.thread_id, source="没人引用的话")
    services.post_create(by=actors["bob"], thread_id=opening.thread_id, source="另一句")
    moderation_services.flag_create(by=actors["moderator"], ref=f"forum.post:{taken.pk}", reason="spam")
    page = client_for(reader).get(f"/forum/t/{opening.thread_id}/").content.decode()
    assert f'id="p{taken.pk}"' not in page and PLACEHOLDER not in page and "另一句" in page
    assert client_for(reader).get(f"/forum/p/{taken.pk}/").status_code == 404


def test_a_quoted_post_whose_edit_is_held_keeps_its_place(forum, actors, thread_of, words, client_for, reader):
    words(("待审词", "hold"))
    opening = thread_of()
    post = services.post_create(by=actors["alice"], thread_id=opening.thread_id, source="原来的话")
    services.post_create(by=actors["bob"], thread_id=opening.thread_id, source="同意", quote_id=post.pk)
    services.post_edit(by=actors["alice"], post_id=post.pk, source="改成待审词")
    page = client_for(reader).get(f"/forum/t/{opening.thread_id}/").content.decode()
    assert "待审词" not in page and "原来的话" not in page and page.count(PLACEHOLDER) == 2
    mine = client_for(forum.alice).get(f"/forum/p/{post.pk}/").content.decode()
    assert "等待审核员审核" in mine


@pytest.mark.parametrize(
    ("decision", "tag", "words"),
    [
        ("hide", "因党员举报已隐藏", "它因党员举报而隐藏"),
        ("reject", "被审核员驳回", "审核员驳回了它的首帖"),
    ],
)
def test_the_author_of_a_thread_taken_away_reads_why_on_it(
    forum, actors, client_for, member_factory, decision, tag, words
):
    opening = services.thread_create(by=actors["alice"], board_id=forum.board.pk, title="周末安排", source="去爬山")
    moderation_services.flag_create(by=actors["moderator"], ref=f"forum.post:{opening.pk}", reason="off_topic")
    if decision == "reject":
        moderation_services.queue_reject(by=actors["moderator"], item_id=pending_item(opening.pk).pk, reason="离题")
    page = client_for(forum.alice).get(f"/forum/t/{opening.thread_id}/").content.decode()
    assert tag in page and words in page and "等待审核</span>" not in page
    other = member_factory(forum.tree.branch_a, roles=[])
    assert client_for(other).get(f"/forum/t/{opening.thread_id}/").status_code == 404
    assert RoleKind.MODERATOR  # the moderator's page still opens it
    assert client_for(forum.moderator).get(f"/forum/t/{opening.thread_id}/").status_code == 200
