"""Word lists: admin edits and imports bump the version; every process swaps in the new list."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from members.access import SYSTEM, Actor
from members.models import Member, RoleKind
from moderation.lists import compiled_for, version_current
from moderation.models import WordEntry, WordList
from moderation.services import word_entries_set, word_list_create
from tests.conftest import MemberFactory, OrgTree

ROOT = Path(__file__).resolve().parents[2]


@override_settings(MODERATION_LIST_CHECK_SECONDS=0)
def test_a_change_swaps_in_a_new_compiled_list(org_tree: OrgTree) -> None:
    words = word_list_create(by=SYSTEM, organisation=org_tree.branch_a, name="词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("赌博", "censor")])
    before = compiled_for(org_tree.group_a1)
    assert [m.word for m in before.scan("赌博 翻墙")] == ["赌博"]
    word_entries_set(by=SYSTEM, word_list=words, entries=[("翻墙", "block")])
    after = compiled_for(org_tree.group_a1)
    assert after is not before
    assert [m.word for m in after.scan("赌博 翻墙")] == ["赌博", "翻墙"]
    assert [m.word for m in before.scan("赌博 翻墙")] == ["赌博"]  # a request holding the old one is unaffected
    assert compiled_for(org_tree.group_a1) is after  # unchanged version: no rebuild


@override_settings(MODERATION_LIST_CHECK_SECONDS=3600)
def test_the_version_is_read_at_most_once_per_period(org_tree: OrgTree) -> None:
    words = word_list_create(by=SYSTEM, organisation=None, name="全局")
    first = compiled_for(None)
    word_entries_set(by=SYSTEM, word_list=words, entries=[("赌博", "censor")])
    assert compiled_for(None) is first  # within the period: the cached list, no query


def test_admin_style_edits_bump_the_version(org_tree: OrgTree) -> None:
    start = version_current()
    words = WordList.objects.create(name="后台", organisation=org_tree.committee)
    entry = WordEntry.objects.create(word_list=words, word="赌博", action="censor")
    entry.action = "block"
    entry.save()
    entry.delete()
    assert version_current() == start + 4


def test_csv_import(org_tree: OrgTree, tmp_path: Path) -> None:
    path = tmp_path / "words.csv"
    path.write_text("word,action\n赌博,censor\n\n# 注释,block\n法轮功,block\n", encoding="utf-8")
    call_command("moderation_import_wordlist", str(path), "--list", "导入", "--organisation", org_tree.branch_a.code)
    words = WordList.objects.get(name="导入", organisation=org_tree.branch_a)
    assert dict(words.entries.values_list("word", "action")) == {"赌博": "censor", "法轮功": "block"}
    path.write_text("赌博,hold\n", encoding="utf-8")
    call_command(
        "moderation_import_wordlist", str(path), "--list", "导入", "--organisation", org_tree.branch_a.code, "--replace"
    )
    assert dict(words.entries.values_list("word", "action")) == {"赌博": "hold"}


def test_list_editing_needs_the_moderator_role(
    org_tree: OrgTree, member_factory: MemberFactory, actor_of: Callable[[Member], Actor]
) -> None:
    from web.errors import Forbidden

    mod_b = member_factory(org_tree.branch_b, roles=[(RoleKind.MODERATOR, org_tree.branch_b)])
    words = word_list_create(by=SYSTEM, organisation=org_tree.branch_a, name="词表")
    with pytest.raises(Forbidden):
        word_entries_set(by=actor_of(mod_b), word_list=words, entries=[("x", "block")])


SCANNER = """
import sys
import django
django.setup()
from moderation.decision import evaluate
from moderation.lists import compiled_for
for line in sys.stdin:
    print(evaluate(text=line.rstrip("\\n"), kind="plain", matcher=compiled_for(None)).action.value, flush=True)
"""


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_the_change_without_restart() -> None:
    from tests.live import test_database_url

    env = {
        **os.environ,
        "SECRET_KEY": "lists-test",
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "web.settings",
    }
    scanner = subprocess.Popen(
        [sys.executable, "-c", SCANNER],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert scanner.stdin is not None and scanner.stdout is not None

    def ask(text: str) -> str:
        scanner.stdin.write(text + "\n")  # type: ignore[union-attr]
        scanner.stdin.flush()  # type: ignore[union-attr]
        return scanner.stdout.readline().strip()  # type: ignore[union-attr]

    try:
        assert ask("赌博") == "allow"
        words = word_list_create(by=SYSTEM, organisation=None, name="全局")
        word_entries_set(by=SYSTEM, word_list=words, entries=[("赌博", "block")])
        # The other process re-reads the version at most every second; ask until it has.
        deadline = time.monotonic() + 30
        answer = ask("赌博")
        while answer != "block" and time.monotonic() < deadline:
            time.sleep(0.2)
            answer = ask("赌博")
        assert answer == "block"
        assert ask("你好") == "allow"
    finally:
        scanner.stdin.close()
        scanner.wait(timeout=30)
