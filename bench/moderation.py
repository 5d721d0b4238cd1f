"""Moderation throughput: normalising + matching, the whole pipeline, and the two sanitisers.

    .venv/bin/python bench/moderation.py [--entries 10000] [--posts 2000] [--seconds 2]

Single process. A deterministic 10,000-entry word list (2–4 character Chinese words and some
Latin ones) and 1 KB posts of Chinese prose with punctuation, a little ASCII and, in one post in
ten, a listed word, all generated from a seeded RNG over a built-in character set. Printed:

* normalise + match, MB/s of UTF-8 text and posts/s: the project's matcher
  (``CompiledList.scan``: ahocorasick_rs over UTF-16-LE, offsets mapped back, the word/clause
  rules), without and with matching by sound (every entry of the list by sound; and 10,000
  four-character entries by sound, whose sounds seldom occur by chance: the cost of the sound pass
  itself), these three timed in turn, pass after pass, so that the load of a shared machine falls
  on them alike, and the sound lines given as a share of the first; the raw searches the matcher is
  built on (ahocorasick_rs over UTF-16-LE bytes, UTF-8 bytes and str), pyahocorasick (the C
  extension, driven from Python), and the naive baseline, a regex alternation of every entry;
* matching alone on already normalised text, same three;
* the whole pure pipeline (``moderation.decision.evaluate``: sanitise → normalise → match →
  guard → decide) for rich posts with bleach and with nh3, and for plain posts (escaped);
* bleach vs nh3 sanitising the same posts.

The figures are medians of repeated passes over the same posts, in CPU seconds of this process.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Common characters of Chinese prose (a built-in set, so the posts need no corpus download).
HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而"
    "方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好"
    "应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向"
    "道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特"
    "件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队"
    "南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风"
    "切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许"
    "步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列"
    "习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派"
)
# Two-character entries come from rarer characters: random prose over HAN would otherwise hit
# hundreds of random two-character "words" per post, which real posts and real lists do not.
RARE = "赌毒枪淫嫖娼贿诈骗窃邪翻墙谣乱暴恐傻逼屎尿屁娘贱婊畜狗猪蠢呆滚操妈奶爹祖"
PUNCT = "，。、；：？！“”（）"
ASCII_WORDS = ["APP", "http://example.org/a", "2024", "iPhone", "PDF", "OK", "Wi-Fi", "GDP"]


def make_entries(rng: random.Random, n: int) -> list[tuple[str, str]]:
    actions = ["censor"] * 70 + ["block"] * 15 + ["hold"] * 8 + ["flag"] * 5 + ["allow"] * 2
    words: dict[str, str] = {}
    while len(words) < n:
        if rng.random() < 0.05:
            word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 8)))
        elif rng.random() < 0.1:
            word = rng.choice(RARE) + rng.choice(RARE + HAN)
        else:
            word = "".join(rng.choice(HAN) for _ in range(rng.choice((3, 4, 4))))
        words.setdefault(word, rng.choice(actions))
    return list(words.items())


def make_post(rng: random.Random, words: list[str], target_bytes: int = 1024) -> str:
    parts: list[str] = []
    size = 0
    with_word = rng.random() < 0.1
    while size < target_bytes:
        r = rng.random()
        if r < 0.06:
            piece = rng.choice(PUNCT)
        elif r < 0.075:
            piece = " " + rng.choice(ASCII_WORDS) + " "
        elif with_word and r < 0.08:
            piece = rng.choice(words)
        else:
            piece = rng.choice(HAN)
        parts.append(piece)
        size += len(piece.encode())
    return "".join(parts)


def timed(fn: Callable[[], object], seconds: float) -> float:
    """Median CPU seconds per call of ``fn`` over repeated passes lasting about ``seconds``.

    CPU time of this process, not wall time: the machine is shared, and time spent waiting for
    a core says nothing about the code (everything measured here runs on one thread).
    """
    fn()  # warm-up (lazy tables, caches)
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < 3:
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)
    return statistics.median(samples)


def timed_together(fns: dict[str, Callable[[], object]], seconds: float) -> dict[str, float]:
    """:func:`timed` for several functions at once, one pass of each in turn until ``seconds`` have
    passed for all of them together: a change of load during the measurement falls on all alike."""
    for fn in fns.values():
        fn()  # warm-up
    samples: dict[str, list[float]] = {label: [] for label in fns}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or min(len(s) for s in samples.values()) < 3:
        for label, fn in fns.items():
            start = time.process_time()
            fn()
            samples[label].append(time.process_time() - start)
    return {label: statistics.median(s) for label, s in samples.items()}


def report(label: str, per_pass: float, posts: list[str], note: str = "") -> None:
    mb = sum(len(p.encode()) for p in posts) / 1e6
    print(f"{label:<58} {mb / per_pass:8.1f} MB/s {len(posts) / per_pass:10.0f} posts/s{note}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--posts", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    parser.add_argument("--seed", type=int, default=20241122)
    parser.add_argument(
        "--innocent",
        type=Path,
        help="instead: the share of the lines of this UTF-8 file (innocent prose, one item a line) that "
        "the demo starter list (moderation/data/starter_wordlist.tsv) matches, and what it matched",
    )
    parser.add_argument(
        "--database", action="store_true", help="also time moderate() with its database checks (SQLite under var/)"
    )
    args = parser.parse_args()
    if args.database:
        setup_django()

    import ahocorasick
    import ahocorasick_rs

    from moderation.decision import evaluate
    from moderation.matcher import CompiledList, Entry, ListAction
    from moderation.normalize import normalise, tables
    from moderation.sanitize import sanitize_html
    from moderation.sound import sound_tables

    if args.innocent is not None:
        innocent_rate(args.innocent)
        return

    rng = random.Random(args.seed)
    entries = make_entries(rng, args.entries)
    words = [w for w, _ in entries]
    posts = [make_post(rng, words) for _ in range(args.posts)]
    rich = [f"<p>{p[: len(p) // 2]}</p><p><b>{p[len(p) // 2 :]}</b></p>" for p in posts]
    t0 = time.perf_counter()
    tables()
    table_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    compiled = CompiledList.compile([Entry(w, ListAction(a)) for w, a in entries])
    compile_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    sound_tables()
    sound_table_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    by_sound = CompiledList.compile([Entry(w, ListAction(a), sound=True) for w, a in entries])
    sound_compile_seconds = time.perf_counter() - t0
    # Four characters of common prose each: as sounds they seldom occur in the posts by chance, which
    # shows the cost of the sound pass itself (the list above, by sound, occurs in most posts).
    four_rng = random.Random(args.seed + 1)
    four = {"".join(four_rng.choice(HAN + RARE) for _ in range(4)): "censor" for _ in range(args.entries)}
    by_sound_four = CompiledList.compile([Entry(w, ListAction(a), sound=True) for w, a in four.items()])
    patterns = sorted({normalise(w) for w in words})

    py_ac = ahocorasick.Automaton()
    for i, p in enumerate(patterns):
        py_ac.add_word(p, i)
    py_ac.make_automaton()
    rs_ac = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
    rs_bytes = ahocorasick_rs.BytesAhoCorasick(
        [p.encode() for p in patterns], matchkind=ahocorasick_rs.MATCHKIND_STANDARD
    )
    rs_utf16 = ahocorasick_rs.BytesAhoCorasick(
        [p.encode("utf-16-le") for p in patterns], matchkind=ahocorasick_rs.MATCHKIND_STANDARD
    )
    alternation = re.compile("|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True)))

    def run(label: str, per_item: Callable[[str], object], items: list[str]) -> None:
        report(label, timed(lambda: [per_item(x) for x in items], args.seconds), items)

    mean_bytes = statistics.mean(len(p.encode()) for p in posts)
    mean_chars = statistics.mean(len(p) for p in posts)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {len(entries)} entries, {len(posts)} posts")
    print(f"average post {mean_bytes:.0f} bytes UTF-8, {mean_chars:.0f} characters")
    print(
        f"one-off: normaliser tables {table_seconds * 1000:.0f} ms, compiling the list {compile_seconds * 1000:.0f} ms"
    )
    print(
        f"one-off, matching by sound: pinyin tables {sound_table_seconds * 1000:.0f} ms, "
        f"compiling every entry with sound on {sound_compile_seconds * 1000:.0f} ms "
        f"({len(by_sound.patterns)} spellings, {len(by_sound.sound_patterns)} sound texts)"
    )
    print(f"posts with a match: {sum(1 for p in posts if compiled.scan(p))}")
    print(f"posts with a match, every entry by sound too: {sum(1 for p in posts if by_sound.scan(p))}")
    print(f"posts with a match, the four-character list by sound: {sum(1 for p in posts if by_sound_four.scan(p))}")
    few = posts[: max(20, len(posts) // 50)]
    print()
    print("normalise + match")
    matchers = {
        "  ahocorasick_rs, CompiledList.scan (the matcher)": compiled,
        "  the matcher, every entry also by sound and split characters": by_sound,
        f"  the matcher, by sound, {len(four)} entries of four characters": by_sound_four,
    }

    def scan_all(matcher: CompiledList) -> Callable[[], object]:
        return lambda: [matcher.scan(p) for p in posts]

    together = timed_together({label: scan_all(m) for label, m in matchers.items()}, 3 * args.seconds)
    baseline = together[next(iter(matchers))]
    for label, per_pass in together.items():
        report(label, per_pass, posts, "" if per_pass == baseline else f"  ({baseline / per_pass:.2f} of the first)")
    run(
        "  ahocorasick_rs on UTF-16-LE bytes, raw search",
        lambda p: rs_utf16.find_matches_as_indexes(normalise(p).encode("utf-16-le"), overlapping=True),
        posts,
    )
    run(
        "  ahocorasick_rs on UTF-8 bytes, raw search",
        lambda p: rs_bytes.find_matches_as_indexes(normalise(p).encode(), overlapping=True),
        posts,
    )
    run(
        "  ahocorasick_rs on str, raw search",
        lambda p: rs_ac.find_matches_as_indexes(normalise(p), overlapping=True),
        posts,
    )
    run("  pyahocorasick, iter()", lambda p: list(py_ac.iter(normalise(p))), posts)
    run("  baseline: regex alternation (on 1/50 of the posts)", lambda p: alternation.findall(normalise(p)), few)
    print("normalise alone")
    run("  str.translate, dict table (for comparison)", lambda p: p.translate(tables().match), posts)
    run("  str.translate, list table (the normaliser)", normalise, posts)
    print("match alone (text already normalised)")
    folded = {p: normalise(p) for p in posts}
    encoded = {p: folded[p].encode() for p in posts}
    utf16 = {p: folded[p].encode("utf-16-le") for p in posts}
    run(
        "  ahocorasick_rs on UTF-16-LE bytes",
        lambda p: rs_utf16.find_matches_as_indexes(utf16[p], overlapping=True),
        posts,
    )
    run(
        "  ahocorasick_rs on UTF-8 bytes",
        lambda p: rs_bytes.find_matches_as_indexes(encoded[p], overlapping=True),
        posts,
    )
    run("  ahocorasick_rs on str", lambda p: rs_ac.find_matches_as_indexes(folded[p], overlapping=True), posts)
    run("  pyahocorasick", lambda p: list(py_ac.iter(folded[p])), posts)
    run("  baseline: regex alternation (1/50)", lambda p: alternation.findall(folded[p]), few)
    print("whole pipeline (sanitise/escape → normalise → match → guard → decide)")
    os.environ["MODERATION_SANITIZER"] = "bleach"
    run("  rich posts, bleach", lambda p: evaluate(text=p, kind="rich", matcher=compiled), rich)
    os.environ["MODERATION_SANITIZER"] = "nh3"
    run("  rich posts, nh3", lambda p: evaluate(text=p, kind="rich", matcher=compiled), rich)
    run("  plain posts (chat: escaped)", lambda p: evaluate(text=p, kind="plain", matcher=compiled), posts)
    print("sanitising alone")
    run("  bleach", lambda p: sanitize_html(p, backend="bleach"), rich)
    run("  nh3", lambda p: sanitize_html(p, backend="nh3"), rich)
    if args.database:
        moderate_with_database(entries, posts, rich, run)


def innocent_rate(path: Path) -> None:
    """False positives of the demo starter list on a file of innocent texts, one a line."""
    from collections import Counter

    from moderation.management.commands.moderation_scan import wordlist_read
    from moderation.matcher import CompiledList

    entries = wordlist_read(ROOT / "moderation" / "data" / "starter_wordlist.tsv")
    compiled = CompiledList.compile(entries)
    lines = [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    matched = 0
    words: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for line in lines:
        found = compiled.scan(line)
        matched += bool(found)
        for m in found:
            words[m.word] += 1
            examples.setdefault(m.word, f"{line[m.start : m.end]!r} in {line[:60]!r}")
    sound = sum(1 for e in entries if e.sound)
    print(f"{len(entries)} entries ({sound} by sound); {len(lines)} lines, {sum(len(x) for x in lines)} characters")
    print(f"lines with a match: {matched} ({matched / len(lines):.2%}, one in {len(lines) / max(matched, 1):.0f})")
    for word, count in words.most_common(20):
        print(f"  {count:5d} {word}: {examples[word]}")


def setup_django() -> None:
    db = ROOT / "var" / "bench-moderation.sqlite3"
    db.unlink(missing_ok=True)
    os.environ.setdefault("SECRET_KEY", "bench")
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    # Measure the checks, not the limiter refusing a benchmark that posts thousands a second.
    settings.MODERATION_POST_RATE = (1e9, 10**9)


def moderate_with_database(
    entries: list[tuple[str, str]], posts: list[str], rich: list[str], run: Callable[..., None]
) -> None:
    """moderate(): sanctions, the per-member rate limit, lists of the organisation chain (cached,
    version checked once a second), the pure pipeline, and the repeated-text check (one
    fingerprint written per post)."""
    from members import services as member_services
    from members.access import SYSTEM, actor_from_member
    from moderation.pipeline import moderate
    from moderation.services import word_entries_set, word_list_create

    org = member_services.organisation_create(by=SYSTEM, name="党委", code="BENCH", kind="committee")
    member = member_services.member_create(by=SYSTEM, username="bench", real_name="党员", organisation=org)
    words = word_list_create(by=SYSTEM, organisation=org, name="bench")
    word_entries_set(by=SYSTEM, word_list=words, entries=entries)
    actor = actor_from_member(member)

    def one(text: str, kind: str) -> object:
        try:
            return moderate(text=text, kind=kind, author=actor, organisation=org)  # type: ignore[arg-type]
        except Exception as refused:  # blocked posts are refused by raising; that is a result too
            return refused

    print("moderate() with the database checks (SQLite)")
    os.environ["MODERATION_SANITIZER"] = "bleach"
    run("  rich posts, bleach", lambda p: one(p, "rich"), rich)
    os.environ["MODERATION_SANITIZER"] = "nh3"
    run("  rich posts, nh3", lambda p: one(p, "rich"), rich)
    run("  plain posts", lambda p: one(p, "plain"), posts)


if __name__ == "__main__":
    main()
