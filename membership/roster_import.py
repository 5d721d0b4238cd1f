"""The roster import from a page: the same all-or-nothing rule as ``manage.py import_members``
(members/roster.py), with the organiser watching a progress bar. Both read the file with
:func:`roster_read`, which passes every name and location through the confidentiality guard.

The file is checked at once (every row's errors come back and nothing is imported); a valid
roster is applied in a background thread, in one transaction, telling the organiser's open pages
how far it got (an ephemeral ``membership.import.progress`` signal on their ``user:me``, about
fifty a run) and storing the outcome as a ``membership.import.finished`` event there, which a page
that subscribed late still receives."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections

from members.access import Action, Actor, require
from members.models import Organisation
from members.roster import RosterInvalid, RosterRow, RowError, apply_roster, parse_roster
from membership.events import ImportFailed, ImportFinished
from moderation.archive import archive_append
from moderation.pipeline import ContentBlocked, guard_texts
from realtime.protocol import Signal
from realtime.services import ephemeral_send, event_append
from realtime.streams import user_stream

MAX_BYTES = 5 * 1024 * 1024
Runner = Callable[[Callable[[], None]], None]


def in_thread(work: Callable[[], None]) -> None:
    """Run ``work`` in a thread of its own, which closes its database connection when done."""

    def run() -> None:
        try:
            work()
        finally:
            connections.close_all()

    threading.Thread(target=run, name="roster-import", daemon=True).start()


def roster_read(data: bytes, *, by: Actor) -> list[RosterRow]:
    """The roster's rows, or RosterInvalid with every row's problems: a name or a location that
    carries a classification marking is one (the attempt archived), and nothing is imported."""

    def guard(text: str, organisation: Organisation | None) -> str | None:
        try:
            guard_texts(texts=[text], author=by, organisation=organisation, sanctions=False)
        except ContentBlocked as blocked:
            return str(blocked.message)
        return None

    return parse_roster(data, by=by, check_text=guard)


@dataclass(frozen=True)
class ImportJob:
    id: str
    total: int


def roster_import_start(*, by: Actor, organisation: Organisation, data: bytes, run: Runner = in_thread) -> ImportJob:
    """Check the roster now (RosterInvalid with every row's errors), then apply it with ``run``."""
    require(by, Action.MANAGE_MEMBERS, organisation)
    if len(data) > MAX_BYTES:
        raise RosterInvalid([RowError(1, "-", f"the file is larger than {MAX_BYTES // 1024 // 1024} MB")])
    rows = roster_read(data, by=by)
    outside = [RowError(r.row, "organisation", f"{r.organisation.code} is not under {organisation.code}")
               for r in rows if not r.organisation.is_within(organisation)]  # fmt: skip
    if outside:
        raise RosterInvalid(outside)
    job = ImportJob(id=uuid.uuid4().hex[:12], total=len(rows))
    run(lambda: _apply(job, rows, by, organisation))
    return job


def _apply(job: ImportJob, rows: list[RosterRow], by: Actor, organisation: Organisation) -> None:
    assert by.member_id is not None
    stream = user_stream(by.member_id)
    step = max(1, job.total // 50)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % step == 0 or done == job.total:
            data = {"kind": "membership.import.progress", "job": job.id, "done": done, "total": job.total}
            ephemeral_send(frame=Signal(stream=stream, sender=None, data=data), to_member=by.member_id)

    try:
        result = apply_roster(rows, progress=progress)
        archive_append(
            kind="members.roster_import",
            content_ref=f"members.organisation:{organisation.pk}",
            actor_id=by.member_id,
            payload={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
        )
        finished = ImportFinished(
            job=job.id, total=job.total, created=result.created, updated=result.updated, unchanged=result.unchanged
        )
        event_append(stream=stream, payload=finished)
    except Exception:
        event_append(stream=stream, payload=ImportFailed(job=job.id))
        raise
