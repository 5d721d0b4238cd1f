"""The tamper-evident archive: an append-only chain of SHA-256-linked records.

Each record's hash covers a canonical JSON of its fields and the previous record's hash, so
changing, removing or reordering any record breaks every later link. Database triggers (see the
migration) refuse UPDATE and DELETE; :func:`archive_verify` finds the rows someone changed
behind the triggers' back.

Appends are serialised: on PostgreSQL by ``SELECT … FOR UPDATE`` on the one :class:`ArchiveHead`
row, on SQLite by the write lock its IMMEDIATE transactions take at BEGIN.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from moderation import signing
from moderation.models import ArchiveHead, ArchiveRecord

GENESIS = "0" * 64


class Kind:
    CONTENT = "content.published"
    CLASSIFIED = "content.classified_blocked"
    DECISION = "moderation.decision"
    FLAG = "moderation.flag"
    SANCTION = "moderation.sanction"
    WORDLIST = "moderation.wordlist"


def canonical(
    *, seq: int, kind: str, content_ref: str, actor_id: int | None, payload: dict[str, Any], created: dt.datetime,
    prev_hash: str,
) -> bytes:  # fmt: skip
    body = {
        "seq": seq,
        "kind": kind,
        "content_ref": content_ref,
        "actor_id": actor_id,
        "payload": payload,
        "created": created.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "prev_hash": prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: ArchiveRecord) -> str:
    return hashlib.sha256(
        canonical(
            seq=record.seq,
            kind=record.kind,
            content_ref=record.content_ref,
            actor_id=record.actor_id,
            payload=record.payload,
            created=record.created,
            prev_hash=record.prev_hash,
        )
    ).hexdigest()


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def archive_append(
    *, kind: str, payload: dict[str, Any], content_ref: str = "", actor_id: int | None = None
) -> ArchiveRecord:
    """Append one record (inside the caller's transaction when there is one)."""
    # A JSON round trip makes the stored payload the hashed payload (tuples, lazy strings …).
    payload = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
    with transaction.atomic():
        ArchiveHead.objects.get_or_create(id=1)
        head = ArchiveHead.objects.select_for_update().get(id=1)
        # Microseconds are what both databases keep; the hash must cover what is stored.
        created = timezone.now().astimezone(dt.UTC)
        record = ArchiveRecord(
            seq=head.seq + 1,
            kind=kind,
            content_ref=content_ref,
            actor_id=actor_id,
            payload=payload,
            created=created,
            prev_hash=head.hash,
        )
        record.hash = record_hash(record)
        record.mac = signing.record_mac(record.hash)
        record.save(force_insert=True)
        head.seq, head.hash = record.seq, record.hash
        head.save(update_fields=["seq", "hash"])
    return record


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    broken_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _records(batch: int) -> Iterator[ArchiveRecord]:
    last = 0
    while True:
        rows = list(ArchiveRecord.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def archive_verify(*, progress: Callable[[int], None] | None = None, batch: int = 2000) -> VerifyResult:
    """Walk the chain from the start; the first record whose link, hash or MAC is wrong, if any.

    With the archive key configured, every record's MAC is checked too, and once one record has a
    MAC every later one must: a consistent rewrite (hashes recomputed) fails at the first record
    changed.
    """
    keyed = signing.private_key_bytes() is not None
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    macs_began = False
    for record in _records(batch):
        if record.seq != expected_seq:
            return VerifyResult(checked, expected_seq, f"record {expected_seq} is missing (next is {record.seq})")
        if record.prev_hash != expected_prev:
            return VerifyResult(checked, record.seq, "its prev_hash does not match the previous record's hash")
        if record_hash(record) != record.hash:
            return VerifyResult(checked, record.seq, "its contents do not match its hash")
        if keyed and (record.mac or macs_began):
            macs_began = True
            if not hmac.compare_digest(record.mac, signing.record_mac(record.hash)):
                return VerifyResult(
                    checked, record.seq, "its MAC does not match: it was written without the archive key"
                )
        expected_prev = record.hash
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress(1)
    head = ArchiveHead.objects.filter(id=1).first()
    if head is not None and head.seq != checked:
        return VerifyResult(checked, checked + 1, f"the head says {head.seq} records but the chain ends at {checked}")
    return VerifyResult(checked)


def archive_checkpoint() -> signing.Checkpoint:
    """The chain's head, signed with the archive key (``ImproperlyConfigured`` without one)."""
    head = ArchiveHead.objects.filter(id=1).first()
    seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    time = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    return signing.checkpoint_sign(seq=seq, head=head_hash, time=time)


def archive_verify_checkpoint(
    checkpoint: signing.Checkpoint, *, progress: Callable[[int], None] | None = None
) -> VerifyResult:
    """Whether the current chain extends ``checkpoint``: signed by the configured key, the record at
    its sequence still has its hash, and the whole chain verifies."""
    if not signing.checkpoint_signature_ok(checkpoint, public_key=signing.public_key_b64()):
        return VerifyResult(0, checkpoint.seq, "the checkpoint's signature is not the archive key's")
    result = archive_verify(progress=progress)
    if not result.ok and result.broken_seq is not None and result.broken_seq <= max(checkpoint.seq, 1):
        return result
    if checkpoint.seq == 0:
        return result
    record = ArchiveRecord.objects.filter(seq=checkpoint.seq).first()
    if record is None:
        return VerifyResult(result.checked, checkpoint.seq, "the checkpoint's record is missing: the chain was cut")
    if record.hash != checkpoint.hash:
        return VerifyResult(
            result.checked, checkpoint.seq, "its hash differs from the checkpoint's: the chain was rewritten up to here"
        )
    return result


def archive_count() -> int:
    return ArchiveRecord.objects.count()


def archive_export_rows(*, since: dt.datetime | None, until: dt.datetime | None) -> Iterator[dict[str, Any]]:
    rows = ArchiveRecord.objects.order_by("seq")
    if since is not None:
        rows = rows.filter(created__gte=since)
    if until is not None:
        rows = rows.filter(created__lt=until)
    for r in rows.iterator(chunk_size=2000):
        yield {
            "seq": r.seq,
            "kind": r.kind,
            "content_ref": r.content_ref,
            "actor_id": r.actor_id,
            "payload": r.payload,
            "created": r.created.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "prev_hash": r.prev_hash,
            "hash": r.hash,
        }
