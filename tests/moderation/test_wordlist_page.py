"""The moderators' word-list page: add, edit, remove, search and pages, CSV in and out (all or
nothing, every bad row named), try a text; every change archived with who made it and in force
for the very next post."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client, override_settings

from members.access import Actor
from members.models import Member, RoleKind
from moderation.models import ArchiveRecord, QueueItem, StaffAction, WordEntry, WordList
from moderation.services import word_entries_set, word_list_create
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.conftest import PostChat


@pytest.fixture
def setup(org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor],
          client_for: Callable[[Member], Client]) -> tuple[Member, Client, WordList]:  # fmt: skip
    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    words = word_list_create(by=actor_of(mod), organisation=org_tree.branch_a, name="支部词表")
    return mod, client_for(mod), words


def _page(client: Client, words: WordList, **data: object) -> str:
    response = client.post(f"/moderation/wordlists/{words.pk}/", data, follow=True)
    return response.content.decode()


@override_settings(MODERATION_LIST_CHECK_SECONDS=3600)
def test_an_entry_added_on_the_page_holds_the_very_next_post(
    setup: tuple[Member, Client, WordList], member_factory: MemberFactory, org_tree: OrgTree,
    actor_of: Callable[[Member], Actor], post_chat: PostChat, django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:  # fmt: skip
    mod, client, words = setup
    author = member_factory(org_tree.group_a1)
    post_chat(author, actor_of(author), "先说一句")  # this process has compiled and cached the lists
    with django_capture_on_commit_callbacks(execute=True):
        page = _page(client, words, op="add", word="代开发票", action="hold", sound="on", note="诈骗")
    assert "已保存" in page
    post_chat(author, actor_of(author), "有需要dai kai fa piao的找我")
    item = QueueItem.objects.get()
    assert item.hidden and item.details["words"] == ["代开发票"]
    record = ArchiveRecord.objects.filter(kind="moderation.wordlist").last()
    assert record is not None and record.actor_id == mod.pk
    assert record.payload["changed"] == [["代开发票", "hold", True, "诈骗"]]


def test_edit_and_remove_an_entry(setup: tuple[Member, Client, WordList], actor_of: Callable[[Member], Actor]) -> None:
    mod, client, words = setup
    word_entries_set(by=actor_of(mod), word_list=words, entries=[("赌博", "censor")])
    entry = WordEntry.objects.get(word_list=words)
    _page(client, words, op="edit", entry=entry.pk, word="网络赌博", action="block", sound="on", note="")
    entry.refresh_from_db()
    assert (entry.word, entry.action, entry.sound) == ("网络赌博", "block", True)
    page = _page(client, words, op="delete", word="网络赌博")
    assert "已删除" in page and not WordEntry.objects.filter(word_list=words).exists()
    verbs = list(StaffAction.objects.filter(actor=mod).values_list("verb", flat=True))
    assert {"wordlist.edit", "wordlist.delete_word"} <= set(verbs)
    assert ArchiveRecord.objects.filter(kind="moderation.wordlist", actor_id=mod.pk).count() == 3


def test_search_and_pages_over_fifty_thousand_entries(
    setup: tuple[Member, Client, WordList], actor_of: Callable[[Member], Actor]
) -> None:
    mod, client, words = setup
    word_entries_set(by=actor_of(mod), word_list=words, entries=[(f"词{i:05d}", "censor") for i in range(50_000)])
    last = client.get(f"/moderation/wordlists/{words.pk}/?page=1000").content.decode()
    assert "词49999" in last and "第 1000 页，共 1000 页" in last
    found = client.get(f"/moderation/wordlists/{words.pk}/", {"q": "词4242"}).content.decode()
    assert "词42420" in found and "词42429" in found and "词00001" not in found


def test_csv_import_is_all_or_nothing_and_names_every_bad_row(setup: tuple[Member, Client, WordList]) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _mod, client, words = setup
    bad = "word,action,note,sound\n赌博,censor,,\n翻墙,forbid,,\n赌博,block,,\n★★,block,,\n代开发票,hold,,maybe\n"
    upload = SimpleUploadedFile("words.csv", bad.encode(), content_type="text/csv")
    response = client.post(f"/moderation/wordlists/{words.pk}/", {"op": "import", "file": upload},
                           headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6]
    assert "第 2 行" in body["errors"][1]["message"]
    assert not WordEntry.objects.filter(word_list=words).exists()

    good = "word,action,note,sound\n赌博,censor,,\n代开发票,hold,诈骗,sound\n"
    upload = SimpleUploadedFile("words.csv", good.encode(), content_type="text/csv")
    response = client.post(f"/moderation/wordlists/{words.pk}/", {"op": "import", "file": upload},
                           headers={"Accept": "application/json"})  # fmt: skip
    assert response.status_code == 200 and "2" in response.json()["message"]
    exported = b"".join(client.get(f"/moderation/wordlists/{words.pk}/export.csv").streaming_content).decode()
    assert exported.splitlines() == ["word,action,note,sound", "代开发票,hold,诈骗,sound", "赌博,censor,,"]


def test_try_a_text_shows_the_action_the_matches_and_the_result(
    setup: tuple[Member, Client, WordList], actor_of: Callable[[Member], Actor]
) -> None:
    mod, client, words = setup
    word_entries_set(by=actor_of(mod), word_list=words, entries=[("傻逼", "censor", True)])
    page = client.post(f"/moderation/wordlists/{words.pk}/", {"op": "try", "text": "你个sha bi！"}).content.decode()
    assert '<mark title="傻逼">sha bi</mark>' in page
    assert "你个＊＊＊＊＊＊！" in page
    assert ArchiveRecord.objects.filter(kind="moderation.wordlist").count() == 1  # trying stores nothing


def test_a_member_who_is_not_a_moderator_cannot_change_a_list(
    setup: tuple[Member, Client, WordList], member_factory: MemberFactory, org_tree: OrgTree,
    client_for: Callable[[Member], Client],
) -> None:  # fmt: skip
    _mod, _client, words = setup
    other = client_for(member_factory(org_tree.group_a1))
    response = other.post(f"/moderation/wordlists/{words.pk}/", {"op": "add", "word": "x", "action": "block"})
    assert response.status_code == 403 and not WordEntry.objects.exists()
