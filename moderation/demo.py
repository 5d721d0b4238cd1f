"""The demo organisation's word lists: a starter list and the allow entries that protect innocent
words from it (moderation/data/starter_wordlist.tsv), so a new install shows the pipeline working."""

from __future__ import annotations

from pathlib import Path

from members.access import SYSTEM
from members.models import Organisation
from moderation.management.commands.moderation_scan import wordlist_read
from moderation.models import WordList
from moderation.services import word_entries_set, word_list_create

STARTER = Path(__file__).resolve().parent / "data" / "starter_wordlist.tsv"
STARTER_NAME = "示范词表"


def demo_word_lists(organisation: Organisation) -> WordList:
    """Loading again changes nothing that moderators have not changed since (entries are upserted)."""
    word_list = WordList.objects.filter(organisation=organisation, name=STARTER_NAME).first()
    if word_list is None:
        word_list = word_list_create(
            by=SYSTEM,
            organisation=organisation,
            name=STARTER_NAME,
            description="诈骗、赌博、辱骂等常见词，以及保护无辜词语的例外词。",
        )
    if not word_list.entries.exists():
        entries = [(e.word, e.action.value, e.sound) for e in wordlist_read(STARTER)]
        word_entries_set(by=SYSTEM, word_list=word_list, entries=entries)
    return word_list
