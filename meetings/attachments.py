"""Meeting attachments (会议材料): files the hosts attach to a meeting for its invitees.

They are checked like forum attachments (``kernel/files.py``, ``upload_read``): the first bytes decide the type
(PNG, JPEG, GIF, WebP or PDF), never the client's declared type; a name whose extension claims
another type is refused rather than quietly renamed, so nobody downloads ``通知.pdf`` and gets a
picture; the size limit is the forum's (``FORUM_MAX_ATTACHMENT_BYTES``). The stored name is
random (``MEDIA_ROOT/meetings/<year>/<month>/``); readers see the cleaned display name, which
passes the confidentiality guard like any text. Hosts and co-hosts upload and delete until the
meeting is over; files are then part of its record and named in the minutes. Every read goes
through :func:`meetings.selectors.meeting_get_for`.
"""

from __future__ import annotations

import re
import uuid
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from forum.errors import AttachmentRefused, AttachmentTooLarge
from forum.services import max_attachment_bytes
from kernel import files
from kernel.errors import Conflict, Invalid, NotFound
from kernel.ratelimit import check as rate_check
from meetings import selectors
from meetings.models import Meeting, MeetingAttachment, MeetingStatus
from meetings.services import notify_invitees, require_host
from members.access import Actor, require_member
from moderation.documents import document_guard
from moderation.pipeline import moderate

MAX_PER_MEETING = 30
UPLOAD_RATE = (0.2, 10)  # per host: ten at once, then one every five seconds

# The extensions a name may carry for each type the bytes can have.
EXTENSIONS = {
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
}
# What looks like a file extension, as opposed to a dot inside a name ("第1.2节", "v2").
_EXTENSION = re.compile(r"[a-z]{2,}[0-9]?")


def max_bytes() -> int:
    return max_attachment_bytes()


def _claimed_extension(name: str) -> str | None:
    stem, dot, suffix = name.rpartition(".")
    suffix = suffix.strip().lower()
    return suffix if dot and stem.strip() and len(suffix) <= 5 and _EXTENSION.fullmatch(suffix) else None


# --- Reads ----------------------------------------------------------------------------------------


def attachments_of(meeting: Meeting) -> list[MeetingAttachment]:
    """The attachments of a meeting the caller has read through ``meeting_get_for``."""
    return list(MeetingAttachment.objects.filter(meeting=meeting).order_by("pk"))


def attachment_get_for(*, actor: Actor, meeting_id: int, attachment_id: int) -> MeetingAttachment:
    """An attachment of a meeting the actor may see; another meeting's id is not found."""
    meeting = selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    attachment = MeetingAttachment.objects.filter(pk=attachment_id, meeting=meeting).first()
    if attachment is None:
        raise NotFound(_("No such file in this meeting."))
    return attachment


# --- Writes ---------------------------------------------------------------------------------------


def _require_not_over(meeting: Meeting) -> None:
    if meeting.status in (MeetingStatus.ENDED, MeetingStatus.CANCELLED):
        raise Conflict(_("This meeting is over; its records no longer change."))


def attachment_upload(
    *, by: Actor, meeting: Meeting, name: str, stream: IO[bytes], size: int | None = None
) -> MeetingAttachment:
    """Store a file a host attaches; invitees are told the meeting changed."""
    require_member(by)
    require_host(by, meeting)
    _require_not_over(meeting)
    limit = max_bytes()
    too_large = _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
    if size is not None and size > limit:
        raise AttachmentTooLarge(too_large, limit=limit)
    if MeetingAttachment.objects.filter(meeting=meeting).count() >= MAX_PER_MEETING:
        raise Invalid(_("A meeting has at most %(n)d attachments.") % {"n": MAX_PER_MEETING})
    rate, burst = getattr(settings, "MEETING_ATTACHMENT_RATE", UPLOAD_RATE)
    rate_check(f"meetings.attachment:{by.mid}", rate=float(rate), burst=int(burst))
    claimed = _claimed_extension(name or "")
    # safe_filename replaces the extension; a name without one keeps every part ("第1.2节").
    upload = files.upload_read(
        stream, name=name.strip() if claimed is not None else "", limit=limit,
        too_large=lambda limit: AttachmentTooLarge(too_large, limit=limit), refused=AttachmentRefused,
    )  # fmt: skip
    if claimed is not None and claimed not in EXTENSIONS[upload.content_type]:
        raise AttachmentRefused(
            _("The name ends in .%(claimed)s, but the file is a .%(actual)s file. Rename it and try again.")
            % {"claimed": claimed, "actual": upload.extension}
        )
    filename = (
        upload.filename
        if claimed is not None
        else files.safe_filename(f"{name.strip()}.{upload.extension}", extension=upload.extension)
    )
    # Invitees read the name: a classification marking in it is stopped as in a post, and a
    # muted member uploads nothing.
    moderate(text=filename, kind="plain", author=by, organisation=meeting.organisation, mailbox=True)
    document_guard(data=upload.data, content_type=upload.content_type, author=by, organisation=meeting.organisation)
    with transaction.atomic():
        attachment = MeetingAttachment(
            meeting=meeting,
            uploaded_by_id=by.mid,
            filename=filename,
            content_type=upload.content_type,
            size=len(upload.data),
        )
        attachment.file.save(f"{uuid.uuid4().hex}.{upload.extension}", ContentFile(upload.data), save=False)
        try:
            attachment.save()
            notify_invitees(meeting, "changed")
        except BaseException:
            attachment.file.delete(save=False)
            raise
    return attachment


def attachment_delete(*, by: Actor, meeting: Meeting, attachment_id: int) -> None:
    """A host removes an attachment (until the meeting is over); the stored file goes after commit."""
    require_host(by, meeting)
    _require_not_over(meeting)
    with transaction.atomic():
        attachment = MeetingAttachment.objects.select_for_update().filter(pk=attachment_id, meeting=meeting).first()
        if attachment is None:
            raise NotFound(_("No such file in this meeting."))
        stored = attachment.file
        attachment.delete()
        notify_invitees(meeting, "changed")
        transaction.on_commit(lambda: stored.delete(save=False))
