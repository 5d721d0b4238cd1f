"""The adversarial corpus (adversarial/cases.tsv): evasions caught, innocent texts passed, markings
blocked — through the pure pipeline, and through ``manage.py moderation_scan`` as other tools run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.decision import CENSOR_CHAR, Decision, evaluate
from moderation.management.commands.moderation_scan import wordlist_read
from moderation.matcher import CompiledList

HERE = Path(__file__).resolve().parent / "adversarial"
ROOT = HERE.parents[2]
WORDLIST = HERE / "wordlist.tsv"
MATCHER = CompiledList.compile(wordlist_read(WORDLIST))


def _decode(text: str) -> str:
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in text else text


def load_cases() -> list[tuple[str, str]]:
    cases: list[tuple[str, str]] = []
    for line in (HERE / "cases.tsv").read_text(encoding="utf-8").split("\n"):
        if not line or line.startswith("#"):
            continue
        expected, text = line.split("\t", 1)
        cases.append((expected, _decode(text)))
    return cases


CASES = load_cases()


def outcome(decision: Decision) -> str:
    """The expected column's vocabulary: flag is a published text with a match."""
    if decision.action == "allow" and decision.matches:
        return "flag"
    return decision.action.value


def assert_censored_faithfully(text: str, decision: Decision) -> None:
    inside = {i for m in decision.matches if m.action == "censor" for i in range(m.start, m.end)}
    assert len(decision.plain) == len(text)
    for i, (original, shown) in enumerate(zip(text, decision.plain, strict=True)):
        assert shown == (CENSOR_CHAR if i in inside else original), (text, decision.plain)


def test_the_corpus_covers_every_outcome() -> None:
    assert {expected for expected, _ in CASES} == {"block", "hold", "censor", "flag", "allow"}
    assert len(CASES) > 450


@pytest.mark.parametrize(("expected", "text"), CASES, ids=[f"{e}:{t[:24]!r}" for e, t in CASES])
def test_case(expected: str, text: str) -> None:
    decision = evaluate(text=text, kind="plain", matcher=MATCHER)
    assert outcome(decision) == expected, [(m.word, text[m.start : m.end]) for m in decision.matches]
    if expected == "allow":
        assert decision.plain == text and not decision.matches and not decision.markings
    if expected == "censor":
        assert_censored_faithfully(text, decision)


def test_the_command_line_gives_the_same_answers(tmp_path: Path) -> None:
    # One process for the whole corpus, as other tools run it (lines with a line break inside
    # cannot be one stdin line).
    lines = [text for _, text in CASES if "\n" not in text and "\r" not in text]
    done = subprocess.run(
        [sys.executable, "manage.py", "moderation_scan", "--wordlist", str(WORDLIST)],
        input=("\n".join(lines) + "\n").encode("utf-8"),
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "SECRET_KEY": "scan-test"},
        timeout=300,
        check=True,
    )
    results = [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]
    assert len(results) == len(lines)
    for text, result in zip(lines, results, strict=True):
        decision = evaluate(text=text, kind="plain", matcher=MATCHER)
        assert result["action"] == decision.action.value, text
        assert result["text"] == decision.plain, text
        for match in result["matches"]:
            assert 0 <= match["start"] < match["end"] <= len(text)
        if not decision.markings:
            assert result["matches"] == [m.as_dict() for m in decision.matches], text
