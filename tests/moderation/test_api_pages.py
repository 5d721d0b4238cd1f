"""The JSON API and the moderator pages, through the real URL configuration."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable

from django.test import Client

from members.access import Actor
from members.models import Member, RoleKind
from moderation.models import QueueItem
from moderation.services import word_entries_set, word_list_create
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.conftest import PostChat


def post_json(client: Client, url: str, body: dict[str, object] | None = None) -> tuple[int, dict[str, object]]:
    response = client.post(url, json.dumps(body or {}), content_type="application/json")
    return response.status_code, response.json()


def test_flag_claim_reject_through_the_api(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    client_for: Callable[[Member], Client],
    post_chat: PostChat,
) -> None:
    author = member_factory(org_tree.group_a1)
    reader = member_factory(org_tree.group_a1)
    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    msg = post_chat(author, actor_of(author), "一条消息")
    status, body = post_json(
        client_for(reader), "/api/moderation/flags", {"content": f"realtime.streamevent:{msg.pk}", "reason": "spam"}
    )
    assert status == 201, body
    status, body = post_json(
        client_for(reader), "/api/moderation/flags", {"content": f"realtime.streamevent:{msg.pk}", "reason": "spam"}
    )
    assert status == 409 and body["code"] == "conflict"

    listing = client_for(mod).get("/api/moderation/queue")
    assert listing.status_code == 200
    (item,) = listing.json()
    assert item["content"] == f"realtime.streamevent:{msg.pk}" and item["details"]["flags"] == 1
    assert client_for(reader).get("/api/moderation/queue").json()["code"] == "forbidden"

    status, body = post_json(client_for(mod), f"/api/moderation/queue/{item['id']}/claim")
    assert status == 200 and body["claimed_by"]["id"] == mod.pk
    status, body = post_json(client_for(mod), f"/api/moderation/queue/{item['id']}/reject", {"reason": "灌水"})
    assert status == 200 and body["status"] == "rejected" and body["decision_reason"] == "灌水"

    log = client_for(mod).get("/api/moderation/actions?verb=queue.reject").json()
    assert [row["verb"] for row in log] == ["queue.reject"]


def test_check_endpoint_previews_a_decision(
    org_tree: OrgTree, member_factory: MemberFactory, client_for: Callable[[Member], Client]
) -> None:
    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    status, body = post_json(client_for(mod), "/api/moderation/check", {"text": "密级：机密"})
    assert status == 200 and body["action"] == "block" and body["reasons"][0]["code"] == "classified"


def test_pages_render_for_moderators_only(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    client_for: Callable[[Member], Client],
    post_chat: PostChat,
) -> None:
    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    words = word_list_create(by=actor_of(mod), organisation=org_tree.branch_a, name="支部词表")
    word_entries_set(by=actor_of(mod), word_list=words, entries=[("代开发票", "hold")])
    author = member_factory(org_tree.group_a1)
    post_chat(author, actor_of(author), "代开发票 <script>x</script>")
    client = client_for(mod)
    queue = client.get("/moderation/")
    assert queue.status_code == 200
    html = queue.content.decode()
    assert "代开发票 &lt;script&gt;x&lt;/script&gt;" in html
    assert f"moderation.queue:{org_tree.branch_a.pk}" in html
    fragment = client.get("/moderation/?fragment=1").content.decode()
    assert "<html" not in fragment and "代开发票" in fragment
    item = QueueItem.objects.get()
    response = client.post(f"/moderation/queue/{item.pk}/approve/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "approved"
    assert client.get("/moderation/actions/?verb=queue.approve").status_code == 200
    assert "支部词表" in client.get("/moderation/wordlists/").content.decode()
    page = client.get(f"/moderation/wordlists/{words.pk}/")
    assert "代开发票" in page.content.decode()
    client.post(f"/moderation/wordlists/{words.pk}/", {"op": "add", "word": "赌博", "action": "censor"})
    client.post(f"/moderation/wordlists/{words.pk}/", {"op": "add", "word": "翻墙", "action": "flag"})
    assert dict(words.entries.values_list("word", "action")) == {"代开发票": "hold", "赌博": "censor", "翻墙": "flag"}
    outsider = client_for(member_factory(org_tree.group_b1))
    assert outsider.get("/moderation/").status_code == 403


def test_action_log_page_filters_and_keeps_its_filters_across_pages(
    org_tree: OrgTree,
    member_factory: MemberFactory,
    actor_of: Callable[[Member], Actor],
    client_for: Callable[[Member], Client],
) -> None:
    from django.utils import timezone

    from moderation.services import policy_set, sanction_apply

    mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    other_mod = member_factory(org_tree.branch_a, roles=[(RoleKind.MODERATOR, org_tree.branch_a)])
    mod_b = member_factory(org_tree.branch_b, roles=[(RoleKind.MODERATOR, org_tree.branch_b)])
    member = member_factory(org_tree.group_a1)
    for i in range(55):
        policy_set(by=actor_of(mod), organisation=org_tree.branch_a, flag_threshold=i + 1)
    sanction_apply(by=actor_of(other_mod), member_id=member.pk, kind="warn", reason="注意言辞")
    policy_set(by=actor_of(mod_b), organisation=org_tree.branch_b, flag_threshold=9)
    client = client_for(mod)

    def rows(query: str) -> list[str]:
        html = client.get(f"/moderation/actions/?{query}").content.decode()
        return re.findall(r'<tr class="action-row">(.*?)</tr>', html, re.S)

    assert len(rows("")) == 50  # a page; branch B's action is not among them
    warned = rows(f"moderator={other_mod.pk}")
    assert len(warned) == 1 and "警告" in warned[0] and "注意言辞" in warned[0]  # the action in words
    assert "sanction.warn" not in warned[0] and "member_id" not in warned[0]
    assert len(rows("verb=policy.set")) == 50
    page = client.get("/moderation/actions/?verb=policy.set").content.decode()
    assert "verb=policy.set&amp;page=2" in page
    assert len(rows("verb=policy.set&page=2")) == 5
    now = timezone.localtime().replace(tzinfo=None)
    assert len(rows(f"since={(now + dt.timedelta(hours=1)).isoformat(timespec='minutes')}")) == 0
    assert len(rows(f"since={(now - dt.timedelta(hours=1)).isoformat(timespec='minutes')}&verb=sanction.warn")) == 1
    assert all("第二党支部" not in row for row in rows("verb=policy.set"))
