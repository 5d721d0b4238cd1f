"""Access that changes under an open socket (realtime/revocation.py): a member moved out of an
organisation stops receiving its stream at once, a logout ends the session's sockets, and a
session removed behind the app's back is found by the periodic look."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client

from members.models import Member
from realtime import services
from realtime.consumer import CLOSE_NOT_AUTHENTICATED
from tests.conftest import OrgTree
from tests.realtime.conftest import Connect, recv
from tests.realtime.kinds import Message
from tests.realtime.test_consumer import events_of, subscribe, valid

pytestmark = pytest.mark.django_db(transaction=True)

append = database_sync_to_async(services.event_append)


@pytest.fixture(autouse=True)
def quick_hub(settings: Any) -> None:
    settings.REALTIME_TAIL_CHECK_SECONDS = 0.1


@database_sync_to_async
def move(member: Member, organisation: Any) -> None:
    member.organisation = organisation
    member.save()


async def closed_with(comm: Any) -> int:
    while True:
        output = await comm.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return int(output["code"])


async def test_a_member_moved_away_stops_receiving_the_organisations_stream(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], org_tree: OrgTree, room: str
) -> None:
    alice = people["alice"]
    branch = f"test.org:{org_tree.branch_a.pk}"
    comm = await connect(cookies["alice"])
    await subscribe(comm, branch)
    await subscribe(comm, f"test.room:{room}", ref="r")
    await append(stream=branch, payload=Message(n=1))
    assert await events_of(comm, 1) == [1]

    await move(alice, org_tree.branch_b)  # the access policy now says no
    refused = valid(await recv(comm))
    assert (refused["type"], refused["code"], refused["stream"]) == ("error", "forbidden", branch)
    assert refused["message"] == "你已无权查看此数据流。" and refused.get("ref") is None
    await append(stream=branch, payload=Message(n=2))
    await append(stream=f"test.room:{room}", payload=Message(n=1))
    frame = valid(await recv(comm))  # the other subscription goes on; the branch's event does not come
    assert (frame["stream"], frame["seq"]) == (f"test.room:{room}", 1)
    assert await comm.receive_nothing(timeout=0.5)
    # Subscribing again is refused like any forbidden subscription.
    await comm.send_json_to({"type": "subscribe", "stream": branch, "since": 0, "ref": "again"})
    again = valid(await recv(comm))
    assert (again["code"], again["ref"]) == ("forbidden", "again")


async def test_a_socket_acts_as_its_member_is_now(
    connect: Connect, cookies: dict[str, str], people: dict[str, Member], org_tree: OrgTree
) -> None:
    """Moved into the organisation while connected: the socket may subscribe without reconnecting."""
    carol = people["carol"]  # of branch B
    comm = await connect(cookies["carol"])
    await comm.send_json_to({"type": "subscribe", "stream": f"test.org:{org_tree.branch_a.pk}", "since": None})
    assert valid(await recv(comm))["code"] == "forbidden"
    await move(carol, org_tree.branch_a)
    await subscribe(comm, f"test.org:{org_tree.branch_b.pk}", ref="before")  # not yet seen: still B
    refused = valid(await recv(comm))  # the recheck: B is no longer hers
    assert (refused["code"], refused["stream"]) == ("forbidden", f"test.org:{org_tree.branch_b.pk}")
    await subscribe(comm, f"test.org:{org_tree.branch_a.pk}", ref="after")


async def test_logging_out_closes_the_sessions_sockets(connect: Connect, cookies: dict[str, str], room: str) -> None:
    alice = await connect(cookies["alice"])
    bob = await connect(cookies["bob"])
    for comm in (alice, bob):
        await subscribe(comm, f"test.room:{room}")
    browser = Client()
    browser.cookies["sessionid"] = cookies["alice"]
    await database_sync_to_async(browser.post)("/logout/")
    assert await closed_with(alice) == CLOSE_NOT_AUTHENTICATED
    await append(stream=f"test.room:{room}", payload=Message(n=1))
    assert await events_of(bob, 1) == [1]  # another member's socket is untouched


async def test_a_session_removed_behind_the_apps_back_is_found_by_the_periodic_look(
    connect: Connect, cookies: dict[str, str], settings: Any
) -> None:
    settings.REALTIME_RECHECK_SECONDS = 0.3
    comm = await connect(cookies["alice"])
    await database_sync_to_async(lambda: Session.objects.filter(session_key=cookies["alice"]).delete())()
    assert await closed_with(comm) == CLOSE_NOT_AUTHENTICATED
