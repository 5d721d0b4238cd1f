"""Every field where a person's text enters the system, and the door it passes.

One list, so a new feature cannot forget the confidentiality guard: ``tests/moderation/
test_doors.py`` walks every model of the project and fails when a text field (``CharField``,
``TextField`` without choices, every ``JSONField``) is missing here, and it enters a marked text
(``机密★1年``) at the real door of every guarded field — a page, the JSON API, a socket command,
the admin, the roster import — and fails when one has no such driver or lets the text in.

* ``PIPELINE``: :func:`moderation.pipeline.moderate` — sanctions, rate limit, word lists, the
  guard, the review queue (published content);
* ``GUARD``: sanctions and the confidentiality guard only (``moderate(..., mailbox=True)`` or
  :func:`moderation.pipeline.guard_texts`): private text, titles, names, file names;
* ``SYSTEM``: not typed by a person (codes, hashes, paths, content types, derived copies of a
  field that passed a door, a moderator's word lists);
* ``GAP``: a person's text that does not pass the guard yet — a known gap, listed so it is seen
  and closed (docs/moderation.md lists them too). None is left.

Fields a person types in the Django admin pass the guard there too (``moderation.admin.GuardedAdmin``).
"""

from __future__ import annotations

from enum import StrEnum


class Door(StrEnum):
    PIPELINE = "pipeline"
    GUARD = "guard"
    SYSTEM = "system"
    GAP = "gap"


# "app_label.Model.field": (door, where)
FIELDS: dict[str, tuple[Door, str]] = {
    # forum
    "forum.Thread.title": (Door.PIPELINE, "forum.services.thread_create"),
    "forum.Post.source": (Door.PIPELINE, "forum.services.post_create / post_edit"),
    "forum.Post.html": (Door.SYSTEM, "rendered from source after the pipeline"),
    "forum.Post.text": (Door.SYSTEM, "the plain text of html"),
    "forum.Post.status_reason": (Door.SYSTEM, "the moderator's or the pipeline's reason"),
    "forum.Post.cid": (Door.SYSTEM, "a client id"),
    "forum.PostRevision.source": (Door.SYSTEM, "a copy of Post.source, which passed the pipeline"),
    "forum.PostRevision.html": (Door.SYSTEM, "a copy of Post.html"),
    "forum.Attachment.filename": (Door.GUARD, "forum.services (upload)"),
    "forum.Attachment.content_type": (Door.SYSTEM, "sniffed"),
    "forum.Board.name": (Door.GUARD, "forum.services.board_create; the admin"),
    "forum.Board.description": (Door.GUARD, "forum.services.board_create; the admin"),
    "forum.Notification.payload": (Door.SYSTEM, "copies of a thread's title and a moderator's reason"),
    "forum.SearchTerm.term": (Door.SYSTEM, "index terms derived from published posts"),
    # mailboxes (app label mailbox)
    "mailbox.MessageReport.text": (Door.SYSTEM, "a copy of a message that passed the guard"),
    "mailbox.MessageReport.reason": (Door.GUARD, "mailboxes.services.message_report"),
    "mailbox.Writing.title": (Door.GUARD, "mailboxes.services (writings)"),
    "mailbox.Writing.text": (Door.GUARD, "mailboxes.services (writings)"),
    "mailbox.WritingComment.text": (Door.GUARD, "mailboxes.services (comments)"),
    "mailbox.Tip.public_id": (Door.SYSTEM, "generated"),
    "mailbox.Tip.receipt_hash": (Door.SYSTEM, "a digest"),
    "mailbox.Tip.subject": (Door.GUARD, "mailboxes.services (report mailbox)"),
    "mailbox.Tip.text": (Door.GUARD, "mailboxes.services (report mailbox)"),
    "mailbox.Tip.person_concerned": (Door.GUARD, "mailboxes.services (report mailbox)"),
    "mailbox.TipEntry.text": (Door.GUARD, "mailboxes.services (report mailbox follow-ups)"),
    "mailbox.MailboxFile.name": (Door.GUARD, "mailboxes.services (attachments)"),
    "mailbox.MailboxFile.content_type": (Door.SYSTEM, "sniffed"),
    # meetings and lessons
    "meetings.Meeting.title": (Door.GUARD, "meetings.services.meeting_schedule / meeting_update"),
    "meetings.Meeting.agenda": (Door.GUARD, "meetings.services.meeting_schedule / meeting_update"),
    "meetings.Motion.title": (Door.GUARD, "meetings.votes.motion_open"),
    "meetings.Motion.options": (Door.GUARD, "meetings.votes.motion_open"),
    "meetings.Motion.result": (Door.SYSTEM, "counts of the options"),
    "meetings.OpenBallot.choices": (Door.SYSTEM, "options chosen among the motion's"),
    "meetings.Tally.option": (Door.GUARD, "the motion's options, meetings.votes.motion_open"),
    "meetings.ChatMessage.text": (Door.PIPELINE, "meetings.chat"),
    "meetings.ChatMessage.status_reason": (Door.SYSTEM, "a copy of the moderator's reason for the author"),
    "lessons.Question.text": (Door.PIPELINE, "lessons.questions"),
    "lessons.Question.status_reason": (Door.SYSTEM, "a copy of the moderator's reason for the author"),
    "meetings.MeetingAttachment.filename": (Door.GUARD, "meetings.attachments"),
    "meetings.MeetingAttachment.content_type": (Door.SYSTEM, "sniffed"),
    "meetings.Minutes.text": (Door.GUARD, "meetings.services.minutes_save"),
    "meetings.Minutes.document": (Door.SYSTEM, "the archived copy of the minutes and the meeting"),
    "meetings.LeaveRequest.reason": (Door.GUARD, "meetings.services.leave_request_create"),
    "meetings.Breakout.name": (Door.GUARD, "meetings.breakouts.breakout_start (by group: organisation names)"),
    "lessons.Course.title": (Door.GUARD, "lessons.courses.course_create"),
    "lessons.Course.description": (Door.GUARD, "lessons.courses.course_create"),
    "lessons.CourseItem.title": (Door.GUARD, "lessons.courses.course_add_document (a lesson's: its meeting's title)"),
    "lessons.CourseItem.filename": (Door.GUARD, "lessons.courses.course_add_document"),
    "lessons.SlideDeck.key": (Door.SYSTEM, "a storage key"),
    "lessons.SlideDeck.filename": (Door.GUARD, "lessons.slides.deck_upload"),
    "lessons.SlideDeck.error": (Door.SYSTEM, "the renderer's error"),
    "lessons.Recording.path": (Door.SYSTEM, "a storage path"),
    "lessons.Recording.content_type": (Door.SYSTEM, "set by the recorder"),
    # branch affairs
    "branch.DuesPayment.reference": (Door.GUARD, "branch.services (dues)"),
    "branch.Notice.title": (Door.GUARD, "branch.services (notices)"),
    "branch.Notice.body": (Door.GUARD, "branch.services (notices)"),
    "branch.NoticeFile.filename": (Door.GUARD, "branch.services (notice files)"),
    "branch.NoticeFile.content_type": (Door.SYSTEM, "sniffed"),
    "branch.Participant.self_assessment": (Door.GUARD, "branch.services (appraisal)"),
    "branch.Participant.reasons": (Door.GUARD, "branch.services (appraisal)"),
    # member records
    "membership.MemberRecord.id_number": (Door.SYSTEM, "an identity number, validated"),
    "membership.HistoryEntry.before": (Door.SYSTEM, "a copy of a record's value"),
    "membership.HistoryEntry.after": (Door.SYSTEM, "a copy of a record's value"),
    "membership.HistoryEntry.note": (Door.GUARD, "membership.services.talk_record (other notes are the system's)"),
    "membership.Proposal.reason": (Door.GUARD, "membership.services.extension_propose / cancellation_propose"),
    "membership.Proposal.decision_note": (Door.GUARD, "membership.services.proposal_decide"),
    "membership.Transfer.destination": (Door.GUARD, "membership.services.transfer_request"),
    "membership.Transfer.reason": (Door.GUARD, "membership.services.transfer_request"),
    "membership.Transfer.refusal_reason": (Door.GUARD, "membership.services.transfer_refuse"),
    "membership.Transfer.code": (Door.SYSTEM, "a verification code"),
    "membership.MigrantRegistration.location": (Door.GUARD, "membership.services.migrant_register"),
    "membership.ReminderSent.what": (Door.SYSTEM, "a reminder's kind"),
    # members and organisations
    "members.Organisation.name": (Door.GUARD, "the admin (staff)"),
    "members.Organisation.code": (Door.SYSTEM, "an identifier"),
    "members.Organisation.path": (Door.SYSTEM, "the tree path"),
    "members.Member.real_name": (Door.GUARD, "membership.roster_import.roster_read (page and command); the admin"),
    "members.Member.current_location": (
        Door.GUARD,
        "membership.services.migrant_register; membership.roster_import.roster_read; the admin",
    ),
    "members.Member.phone": (Door.SYSTEM, "a phone number, validated"),
    # moderation
    "moderation.WordList.name": (Door.SYSTEM, "a moderator's list name"),
    "moderation.WordList.description": (Door.SYSTEM, "a moderator's description"),
    "moderation.WordEntry.word": (Door.SYSTEM, "a moderator's list entry"),
    "moderation.WordEntry.note": (Door.SYSTEM, "a moderator's note"),
    "moderation.Flag.note": (Door.GUARD, "moderation.services.flag_create"),
    "moderation.QueueItem.excerpt": (Door.SYSTEM, "a copy of content that passed its door"),
    "moderation.QueueItem.decision_reason": (Door.GUARD, "moderation.services.queue_reject"),
    "moderation.QueueItem.details": (
        Door.GUARD,
        "moderation.services.queue_escalate (escalation notes; the rest are copies and reasons)",
    ),
    "moderation.Sanction.reason": (Door.GUARD, "moderation.services.sanction_apply"),
    "moderation.StaffAction.verb": (Door.SYSTEM, "a verb"),
    "moderation.StaffAction.target": (Door.SYSTEM, "a reference"),
    "moderation.StaffAction.details": (Door.SYSTEM, "copies of a decision's reason and note"),
    "moderation.ContentFingerprint.digest": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveHead.hash": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveRecord.kind": (Door.SYSTEM, "a kind"),
    "moderation.ArchiveRecord.content_ref": (Door.SYSTEM, "a reference"),
    "moderation.ArchiveRecord.prev_hash": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveRecord.hash": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveRecord.mac": (Door.SYSTEM, "a MAC"),
    "moderation.ArchiveRecord.payload": (Door.SYSTEM, "snapshots of content that passed its door"),
    # the gateway
    "realtime.StreamHead.stream": (Door.SYSTEM, "a stream name"),
    "realtime.StreamEvent.stream": (Door.SYSTEM, "a stream name"),
    "realtime.StreamEvent.cid": (Door.SYSTEM, "a client id"),
    "realtime.StreamEvent.payload": (
        Door.GUARD,
        "mailboxes.services.message_payload (a mailbox message; other events are services' copies)",
    ),
    "realtime.CommandReceipt.data": (Door.SYSTEM, "a command's result"),
    "realtime.CommandReceipt.stream": (Door.SYSTEM, "a stream name"),
    "realtime.CommandReceipt.cid": (Door.SYSTEM, "a client id"),
}


def fields_by_door(door: Door) -> list[str]:
    return sorted(name for name, (kind, _where) in FIELDS.items() if kind == door)


def is_guarded(field: str) -> bool:
    """Whether ``app_label.Model.field`` is a person's text that passes the guard."""
    door = FIELDS.get(field)
    return door is not None and door[0] in (Door.PIPELINE, Door.GUARD)
