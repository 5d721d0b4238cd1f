"""Compiled word lists per organisation chain, hot-swapped when any list changes.

Every change to a list bumps the one :class:`WordListVersion` row (signals and the importer do
it). Each process looks at that row at most every ``MODERATION_LIST_CHECK_SECONDS`` (default 1 s);
when it has grown, the next request for a chain builds a new automaton from the database and
replaces the cached one with a single dict assignment. Requests running meanwhile keep the
compiled list they already hold (it is immutable), and while one thread rebuilds a chain others
keep using the previous version instead of waiting, so no request fails or sees half a list.
"""

from __future__ import annotations

import math
import threading
import time

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from members.models import Organisation
from moderation.matcher import CompiledList, Entry, ListAction
from moderation.models import WordEntry, WordListVersion

ChainKey = tuple[int, ...]

_cache: dict[ChainKey, CompiledList] = {}
_building: dict[ChainKey, threading.Lock] = {}
_state_lock = threading.Lock()
_seen_version = -1
_checked_at = 0.0


def _check_seconds() -> float:
    return float(getattr(settings, "MODERATION_LIST_CHECK_SECONDS", 1.0))


def version_current() -> int:
    return WordListVersion.objects.filter(id=1).values_list("version", flat=True).first() or 0


def version_bump() -> None:
    """Mark every compiled list stale, in every process; in this one for the very next request.

    Other processes read the version at most every check period; this process forgets when it
    last read it once the change has committed, so the next request here compiles the new list.
    """
    with transaction.atomic():
        updated = WordListVersion.objects.filter(id=1).update(version=F("version") + 1)
        if not updated:
            WordListVersion.objects.get_or_create(id=1, defaults={"version": 1})
        transaction.on_commit(_recheck_now)


def _recheck_now() -> None:
    global _checked_at
    _checked_at = -math.inf  # not 0: the monotonic clock starts near 0 at boot


def _latest_version() -> int:
    """The version, read from the database at most once per check period."""
    global _seen_version, _checked_at
    now = time.monotonic()
    if now - _checked_at >= _check_seconds() or _seen_version < 0:
        _seen_version = version_current()
        _checked_at = now
    return _seen_version


def chain_key(organisation: Organisation | None) -> ChainKey:
    return tuple(organisation.ancestor_ids) if organisation is not None else ()


def entries_for_chain(key: ChainKey) -> list[Entry]:
    """Entries of the global lists and of lists at any organisation in the chain."""
    rows = WordEntry.objects.filter(
        Q(word_list__organisation__isnull=True) | Q(word_list__organisation_id__in=list(key))
    ).values_list("word", "action", "sound", "word_list__sound")
    return [Entry(word=w, action=ListAction(a), sound=s or list_sound) for w, a, s, list_sound in rows]


def compiled_for(organisation: Organisation | None) -> CompiledList:
    """The compiled lists that apply to content in ``organisation`` (None: global lists only)."""
    key = chain_key(organisation)
    version = _latest_version()
    current = _cache.get(key)
    if current is not None and current.version >= version:
        return current
    with _state_lock:
        lock = _building.setdefault(key, threading.Lock())
    if current is not None and not lock.acquire(blocking=False):
        return current  # another thread is building the new one; the previous one still works
    if current is None:
        lock.acquire()
    try:
        cached = _cache.get(key)
        if cached is not None and cached.version >= version:
            return cached
        compiled = CompiledList.compile(entries_for_chain(key), version=version)
        _cache[key] = compiled  # the swap: one assignment
        return compiled
    finally:
        lock.release()


def cache_clear() -> None:
    """Forget everything this process compiled (tests)."""
    global _seen_version, _checked_at
    with _state_lock:
        _cache.clear()
        _seen_version = -1
        _checked_at = 0.0
