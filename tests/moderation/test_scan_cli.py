"""``manage.py moderation_scan``: the command-line contract other tools rely on, run as they run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

WORDLIST = """# a comment, then a blank line

赌博\tcensor
法轮功\tblock
代开发票\thold
翻墙\tflag
傻逼\tcensor
傻逼样子\tallow
fuck\tcensor
"""


def run_scan(lines: list[str], wordlist: str | None, tmp_path: Path) -> list[dict[str, object]]:
    args = [sys.executable, "manage.py", "moderation_scan"]
    if wordlist is not None:
        path = tmp_path / "words.tsv"
        path.write_text(wordlist, encoding="utf-8")
        args += ["--wordlist", str(path)]
    # As another tool runs it: no site secret, no DEBUG, an ASCII locale, another directory.
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update({"PYTHONIOENCODING": "ascii", "LC_ALL": "C"})
    args[1] = str(ROOT / "manage.py")
    done = subprocess.run(
        args,
        input=("\n".join(lines) + "\n").encode("utf-8"),
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=True,
    )
    out = done.stdout.decode("utf-8")
    assert out.endswith("\n")  # every object ends with a newline
    assert len(out.splitlines()) == len(out.split("\n")) - 1  # and no other line break splits one
    return [json.loads(line) for line in out.split("\n")[:-1]]


def test_contract(tmp_path: Path) -> None:
    lines = [
        "今天天气很好",
        "他们在 賭·博 ！",
        "法 輪 功",
        "代开发票请联系",
        "翻墙软件",
        "他那傻逼样子",
        "ＦＵＣＫ off",
        "机密★1年",
        "",
        "a\u2028b\x85c",  # Unicode line separators are not line breaks here
        "翻墙 赌博",  # censor and flag: censored, published
        "赌博，代开发票",  # hold wins over censor; the text is what others see once approved
        "赌博 翻墙 法轮功 代开发票",  # block wins over everything; nothing is shown
    ]
    results = run_scan(lines, WORDLIST, tmp_path)
    assert len(results) == len(lines)
    for result in results:
        assert set(result) == {"action", "matches", "text"}
    assert results[0] == {"action": "allow", "matches": [], "text": "今天天气很好"}
    assert results[1] == {
        "action": "censor",
        "matches": [{"word": "赌博", "start": 4, "end": 7}],
        "text": "他们在 ＊＊＊ ！",
    }
    assert lines[1][4:7] == "賭·博"
    assert results[2]["action"] == "block"
    assert results[2]["matches"] == [{"word": "法轮功", "start": 0, "end": 5}]
    assert results[3]["action"] == "hold"
    assert results[3]["text"] == "代开发票请联系"
    assert results[4] == {"action": "allow", "matches": [{"word": "翻墙", "start": 0, "end": 2}], "text": "翻墙软件"}
    assert results[5] == {"action": "allow", "matches": [], "text": "他那傻逼样子"}
    assert results[6] == {
        "action": "censor",
        "matches": [{"word": "fuck", "start": 0, "end": 4}],
        "text": "＊＊＊＊ off",
    }
    assert results[7]["action"] == "block"
    assert results[7]["matches"][0]["start"] == 0 and results[7]["matches"][0]["end"] == 5
    assert results[8] == {"action": "allow", "matches": [], "text": ""}
    assert results[9] == {"action": "allow", "matches": [], "text": "a\u2028b\x85c"}
    assert results[10] == {
        "action": "censor",
        "matches": [{"word": "翻墙", "start": 0, "end": 2}, {"word": "赌博", "start": 3, "end": 5}],
        "text": "翻墙 ＊＊",
    }
    assert results[11]["action"] == "hold" and results[11]["text"] == "＊＊，代开发票"
    assert results[12]["action"] == "block" and results[12]["text"] == ""
    assert [m["word"] for m in results[12]["matches"]] == ["赌博", "翻墙", "法轮功", "代开发票"]


def test_without_a_wordlist_file_the_configured_lists_apply(tmp_path: Path, transactional_db: None) -> None:
    from members.access import SYSTEM
    from moderation.services import word_entries_set, word_list_create
    from tests.live import test_database_url

    words = word_list_create(by=SYSTEM, organisation=None, name="全局词表")
    word_entries_set(by=SYSTEM, word_list=words, entries=[("赌博", "censor"), ("代开发票", "hold")])
    args = [sys.executable, "manage.py", "moderation_scan"]
    env = {**os.environ, "SECRET_KEY": "scan-test", "DATABASE_URL": test_database_url()}
    done = subprocess.run(
        args,
        input="秘密★长期\n秘密花园\n不要赌 博\n代开发票\n".encode(),
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["action"] for r in results] == ["block", "allow", "censor", "hold"]
    assert results[2]["text"] == "不要＊＊＊"


def test_bad_action_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(subprocess.CalledProcessError) as error:
        run_scan(["x"], "赌博\tdelete\n", tmp_path)
    assert b"unknown action" in error.value.stderr


def test_the_guard_applies_whatever_the_wordlist_says(tmp_path: Path) -> None:
    results = run_scan(["机密★1年", "内部资料 注意保密"], "机密\tallow\n内部资料\tallow\n", tmp_path)
    assert [r["action"] for r in results] == ["block", "block"]
    assert all(r["text"] == "" for r in results)
