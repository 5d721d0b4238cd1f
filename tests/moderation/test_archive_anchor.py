"""The archive anchored outside the database: records keyed with a MAC under a key the database
does not hold, signed checkpoints, and a consistent rewrite of the chain behind the triggers' back
that the checkpoint and the MACs expose, naming the first record changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from moderation import archive, signing
from moderation.models import ArchiveHead, ArchiveRecord
from tests.moderation.test_archive import tamper

pytestmark = pytest.mark.django_db

KEY = signing.key_generate()


def _rewrite_from(seq: int) -> None:
    """Change record ``seq`` and recompute its hash and every later one, and the head: a rewrite
    that the hash chain alone cannot tell from the original."""
    rows = list(ArchiveRecord.objects.filter(seq__gte=seq).order_by("seq"))
    prev = ArchiveRecord.objects.get(seq=seq - 1).hash if seq > 1 else archive.GENESIS
    for row in rows:
        if row.seq == seq:
            row.payload = {**row.payload, "reason": "改写过的理由"}
        row.prev_hash = prev
        row.hash = archive.record_hash(row)
        tamper(
            "UPDATE moderation_archiverecord SET payload = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [json.dumps(row.payload, ensure_ascii=False), row.prev_hash, row.hash, row.seq],
        )
        prev = row.hash
    ArchiveHead.objects.filter(id=1).update(hash=prev)


@override_settings(ARCHIVE_SIGNING_KEY=KEY)
def test_a_consistent_rewrite_fails_against_an_earlier_checkpoint_naming_the_first_record(tmp_path: Path):
    for i in range(5):
        archive.archive_append(kind=archive.Kind.DECISION, payload={"reason": f"理由{i}"}, actor_id=1)
    checkpoint = archive.archive_checkpoint()
    assert checkpoint.seq == 5
    assert archive.archive_verify_checkpoint(checkpoint).ok
    archive.archive_append(kind=archive.Kind.DECISION, payload={"reason": "之后"}, actor_id=1)
    assert archive.archive_verify_checkpoint(checkpoint).ok  # the chain grew: it still extends it

    _rewrite_from(3)
    with override_settings(ARCHIVE_SIGNING_KEY=""):
        assert archive.archive_verify().ok  # without the key the rewrite looks consistent
    result = archive.archive_verify_checkpoint(checkpoint)
    assert not result.ok and result.broken_seq == 3 and "MAC" in result.problem

    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint.as_dict()), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        call_command("archive_verify", "--checkpoint", str(path), "--no-progress")
    assert exit_info.value.code == 1


@override_settings(ARCHIVE_SIGNING_KEY=KEY)
def test_a_rolled_back_chain_and_a_forged_checkpoint_fail(tmp_path: Path):
    for i in range(4):
        archive.archive_append(kind=archive.Kind.FLAG, payload={"n": i})
    checkpoint = archive.archive_checkpoint()
    tamper("DELETE FROM moderation_archiverecord WHERE seq >= %s", [3])
    ArchiveHead.objects.filter(id=1).update(seq=2, hash=ArchiveRecord.objects.get(seq=2).hash)
    assert archive.archive_verify().ok  # a shorter chain is a consistent chain
    result = archive.archive_verify_checkpoint(checkpoint)
    assert not result.ok and result.broken_seq == 4 and "cut" in result.problem

    forged = signing.Checkpoint(2, checkpoint.hash, checkpoint.time, checkpoint.public_key, checkpoint.signature)
    assert "signature" in archive.archive_verify_checkpoint(forged).problem
    with override_settings(ARCHIVE_SIGNING_KEY=signing.key_generate()):
        assert "signature" in archive.archive_verify_checkpoint(checkpoint).problem


@override_settings(ARCHIVE_SIGNING_KEY=KEY)
def test_the_checkpoint_command_prints_and_keeps_a_signed_head(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    archive.archive_append(kind=archive.Kind.FLAG, payload={})
    out = tmp_path / "cp.json"
    call_command("archive_checkpoint", "--output", str(out))
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(out.read_text(encoding="utf-8"))
    assert printed["seq"] == 1 and printed["public_key"] == signing.public_key_b64()
    call_command("archive_verify", "--checkpoint", str(out), "--no-progress")
    assert "extends the checkpoint at record 1" in capsys.readouterr().out


def test_the_key_can_come_from_a_pem_file(tmp_path: Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    pem = tmp_path / "archive.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))  # fmt: skip
    with override_settings(ARCHIVE_SIGNING_KEY="", ARCHIVE_SIGNING_KEY_FILE=str(pem)):
        assert len(signing.record_mac("0" * 64)) == 64
        assert signing.public_key_b64()
