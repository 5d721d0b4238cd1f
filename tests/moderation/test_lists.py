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
    from kernel.errors import Forbidden

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


@pytest.mark.django_db(transaction=True)
@override_settings(MODERATION_LIST_CHECK_SECONDS=0)
def test_requests_during_a_swap_see_the_old_list_or_the_new_one(org_tree: OrgTree) -> None:
    import threading

    from django.db import connection

    words = word_list_create(by=SYSTEM, organisation=org_tree.branch_a, name="词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[(f"旧词{i}", "censor") for i in range(2000)])
    old_answer, new_answer = ["旧词7"], ["新词7"]
    seen: set[tuple[str, ...]] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def scan() -> None:
        try:
            while not stop.is_set():
                compiled = compiled_for(org_tree.group_a1)
                seen.add(tuple(m.word for m in compiled.scan("旧词7 新词7")))
        except BaseException as error:  # any failure of a request is what this test looks for
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        word_entries_set(
            by=SYSTEM, word_list=words, entries=[(f"新词{i}", "censor") for i in range(2000)], replace=True
        )
        deadline = time.monotonic() + 30
        while tuple(new_answer) not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert seen <= {tuple(old_answer), tuple(new_answer)}  # never half a list
    assert tuple(new_answer) in seen


def test_a_fifty_thousand_entry_csv_applies_to_the_subtree(org_tree: OrgTree, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("".join(f"词{i:05d},censor\n" for i in range(50_000)), encoding="utf-8")
    call_command("moderation_import_wordlist", str(path), "--list", "大词表", "--organisation", org_tree.branch_a.code)
    assert WordEntry.objects.filter(word_list__name="大词表").count() == 50_000
    compiled = compiled_for(org_tree.group_a1)
    assert len(compiled) == 50_000
    assert [m.word for m in compiled.scan("前面 词 4 9 9 9 9 后面")] == ["词49999"]
    assert compiled_for(org_tree.branch_b).scan("词49999") == []  # another subtree


@override_settings(MODERATION_LIST_CHECK_SECONDS=0)
def test_a_list_edited_in_the_admin_applies_at_once(org_tree: OrgTree) -> None:
    from django.contrib.auth import get_user_model
    from django.test import Client

    staff = get_user_model().objects.create_superuser("site-admin", "admin@example.org", "pw-123456")
    client = Client()
    client.force_login(staff)
    assert compiled_for(org_tree.group_a1).scan("赌博") == []
    form = {
        "organisation": str(org_tree.branch_a.pk),
        "name": "后台词表",
        "description": "",
        "entries-TOTAL_FORMS": "2",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-word": "赌博",
        "entries-0-action": "censor",
        "entries-0-note": "",
        "entries-1-word": "",
        "entries-1-action": "",
        "entries-1-note": "",
    }
    response = client.post("/admin/moderation/wordlist/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [m.word for m in compiled_for(org_tree.group_a1).scan("不要赌 博")] == ["赌博"]
    assert compiled_for(org_tree.branch_b).scan("赌博") == []
