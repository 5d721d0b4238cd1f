"""What the word-list page does besides showing entries: change them from its forms, try a text.

Kept out of the view so the view stays a dispatcher; every write goes through ``services``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from kernel.errors import Invalid
from kernel.ids import id_or_none
from members.access import Actor
from moderation import services
from moderation.decision import Verdict, evaluate
from moderation.lists import compiled_for
from moderation.models import WordList
from moderation.pipeline import reasons_text

CSV_MAX_BYTES = 8 * 1024 * 1024


def entries_change(
    *, by: Actor, word_list: WordList, op: str, data: QueryDict, files: MultiValueDict[str, UploadedFile]
) -> str:
    """Carry out one form's change; the receipt to show."""
    sound = data.get("sound") in ("on", "1", "true")
    if op == "add":
        services.word_entries_set(
            by=by,
            word_list=word_list,
            entries=[(data.get("word", ""), data.get("action", ""), sound, data.get("note", ""))],
        )
        return _("Entry saved: it applies from the next post.")
    if op == "edit":
        entry_id = id_or_none(data.get("entry"))
        if entry_id is None:
            raise Invalid(_("Unknown entry."))
        services.word_entry_update(
            by=by, word_list=word_list, entry_id=entry_id, word=data.get("word", ""),
            action=data.get("action", ""), sound=sound, note=data.get("note", ""),
        )  # fmt: skip
        return _("Entry saved: it applies from the next post.")
    if op == "delete":
        services.word_entry_delete(by=by, word_list=word_list, word=data.get("word", ""))
        return _("Entry removed.")
    upload = files.get("file")
    if upload is None:
        raise Invalid(_("Choose a CSV file."))
    if upload.size is not None and upload.size > CSV_MAX_BYTES:
        raise Invalid(_("The file is larger than 8 MB."))
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(_("The file is not UTF-8 text.")) from None
    count = services.word_entries_import(by=by, word_list=word_list, text=text, replace=data.get("replace") == "on")
    return _("%(count)s entries imported.") % {"count": count}


@dataclass(frozen=True)
class Tried:
    text: str
    action: str
    pieces: list[tuple[str, str]]  # (text, the entry or marking it matched, "" for none)
    result: str  # as others would see it
    reasons: list[dict[str, str]]


def text_try(*, word_list: WordList, text: str) -> Tried:
    """What the pipeline would do with ``text`` in the list's organisation, without storing anything."""
    text = text[:5000]
    decision = evaluate(text=text, kind="plain", matcher=compiled_for(word_list.organisation))
    spans = sorted(
        [(m.start, m.end, m.word) for m in decision.matches] + [(k.start, k.end, k.marking) for k in decision.markings]
    )
    pieces: list[tuple[str, str]] = []
    position = 0
    for start, end, word in spans:
        if start < position:
            continue
        pieces += [(text[position:start], ""), (text[start:end], word)]
        position = end
    pieces.append((text[position:], ""))
    return Tried(
        text=text,
        action=decision.action.value,
        pieces=[p for p in pieces if p[0]],
        result=decision.plain if decision.action != Verdict.BLOCK else "",
        reasons=reasons_text(decision),
    )
