"""The guard inside documents: the text of an uploaded PDF passes the confidentiality guard (and
the word lists where the upload is published) before the file is stored.

Call :func:`document_guard` right after an upload's type is known and before anything of it is
saved; a marked document is refused with the page it was found on (``ContentBlocked``, with
``page``), the attempt is archived as a classified attempt (the digest of the page's text), and
nothing of the file is kept. Images are not read (no OCR): a photographed marking is not found.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from members.access import Actor
from members.models import Organisation
from moderation.decision import Verdict, evaluate
from moderation.lists import compiled_for
from moderation.matcher import EMPTY
from moderation.pipeline import BLOCKING_REASONS, ContentBlocked, reasons_text, record_classified_attempt

PDF = "application/pdf"
MAX_PAGES = 2000


def pdf_pages_text(data: bytes) -> list[str] | None:
    """The text of each page, or None when pdfium cannot open the file."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return None
    try:
        pages: list[str] = []
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return pages
    finally:
        document.close()


def document_guard(
    *, data: bytes, content_type: str, author: Actor, organisation: Organisation | None, word_lists: bool = True
) -> None:
    """Refuse a PDF whose text carries a classification marking (or, with ``word_lists``, a word the
    organisation's lists block). Other types pass unread."""
    if content_type != PDF:
        return
    pages = pdf_pages_text(data)
    if not pages:
        return
    matcher = compiled_for(organisation) if word_lists else EMPTY
    for number, text in enumerate(pages, start=1):
        if not text.strip():
            continue
        decision = evaluate(text=text, kind="plain", matcher=matcher)
        if decision.classified:
            record_classified_attempt(text=text, kind="plain", author=author, organisation=organisation,
                                      decision=decision)  # fmt: skip
        if decision.classified or decision.action == Verdict.BLOCK:
            reasons = reasons_text(decision)
            refusing = [r for r in reasons if r["code"] in BLOCKING_REASONS] or reasons
            message = _("Page %(page)s of the document: %(reason)s") % {
                "page": number,
                "reason": refusing[0]["message"],
            }
            raise ContentBlocked(message, page=number, reasons=reasons)
