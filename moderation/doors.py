"""Every field where a person's text enters the system, and the door it passes.

One list, so a new feature cannot forget the confidentiality guard: ``tests/moderation/
test_doors.py`` walks every model of the project and fails when a text field (``CharField``,
``TextField`` without choices, and the JSON fields that hold text) is missing here.

* ``PIPELINE``: :func:`moderation.pipeline.moderate` — sanctions, rate limit, word lists, the
  guard, the review queue (published content);
* ``GUARD``: sanctions and the confidentiality guard only (``moderate(..., mailbox=True)`` or
  :func:`moderation.pipeline.guard_texts`): private text, titles, names, file names;
* ``SYSTEM``: not typed by a person (codes, hashes, paths, content types, derived copies of a
  field that passed a door, text a moderator or the system writes);
* ``GAP``: a person's text that does not pass the guard yet — the known gaps, listed so they
  are seen and closed (docs/moderation.md lists them too).
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
    "forum.Board.name": (Door.GAP, "boards are made by staff and secretaries"),
    "forum.Board.description": (Door.GAP, "boards are made by staff and secretaries"),
    "forum.SearchTerm.term": (Door.SYSTEM, "index terms derived from published posts"),
    # mailboxes (app label mailbox)
    "mailbox.MessageReport.text": (Door.SYSTEM, "a copy of a message that passed the guard"),
    "mailbox.MessageReport.reason": (Door.GAP, "the reporter's reason"),
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
    "meetings.Tally.option": (Door.GUARD, "the motion's options, meetings.votes.motion_open"),
    "meetings.ChatMessage.text": (Door.PIPELINE, "meetings.chat"),
    "lessons.Question.text": (Door.PIPELINE, "lessons.questions"),
    "meetings.MeetingAttachment.filename": (Door.GUARD, "meetings.attachments"),
    "meetings.MeetingAttachment.content_type": (Door.SYSTEM, "sniffed"),
    "meetings.Minutes.text": (Door.GUARD, "meetings.services.minutes_save"),
    "meetings.LeaveRequest.reason": (Door.GUARD, "meetings.services.leave_request_create"),
    "meetings.Breakout.name": (Door.GAP, "a host's breakout room name"),
    "lessons.Course.title": (Door.GUARD, "lessons.courses.course_create"),
    "lessons.Course.description": (Door.GUARD, "lessons.courses.course_create"),
    "lessons.CourseItem.title": (Door.GUARD, "lessons.courses.course_add_document (a lesson's: its meeting's title)"),
    "lessons.CourseItem.filename": (Door.GUARD, "lessons.courses.course_add_document"),
    "lessons.SlideDeck.key": (Door.SYSTEM, "a storage key"),
    "lessons.SlideDeck.filename": (Door.GAP, "a lecturer's deck name"),
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
    "members.Organisation.name": (Door.GAP, "organisations are made by staff and secretaries"),
    "members.Organisation.code": (Door.SYSTEM, "an identifier"),
    "members.Organisation.path": (Door.SYSTEM, "the tree path"),
    "members.Member.real_name": (Door.GAP, "entered by staff and the roster import"),
    "members.Member.current_location": (Door.GUARD, "membership.services.migrant_register (the roster import: staff)"),
    "members.Member.phone": (Door.SYSTEM, "a phone number, validated"),
    # moderation
    "moderation.WordList.name": (Door.SYSTEM, "a moderator's list name"),
    "moderation.WordList.description": (Door.SYSTEM, "a moderator's description"),
    "moderation.WordEntry.word": (Door.SYSTEM, "a moderator's list entry"),
    "moderation.WordEntry.note": (Door.SYSTEM, "a moderator's note"),
    "moderation.Flag.note": (Door.GUARD, "moderation.services.flag_create"),
    "moderation.QueueItem.excerpt": (Door.SYSTEM, "a copy of content that passed its door"),
    "moderation.QueueItem.decision_reason": (Door.SYSTEM, "a moderator's reason"),
    "moderation.Sanction.reason": (Door.SYSTEM, "a moderator's reason"),
    "moderation.StaffAction.verb": (Door.SYSTEM, "a verb"),
    "moderation.StaffAction.target": (Door.SYSTEM, "a reference"),
    "moderation.ContentFingerprint.digest": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveHead.hash": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveRecord.kind": (Door.SYSTEM, "a kind"),
    "moderation.ArchiveRecord.content_ref": (Door.SYSTEM, "a reference"),
    "moderation.ArchiveRecord.prev_hash": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveRecord.hash": (Door.SYSTEM, "a digest"),
    "moderation.ArchiveRecord.mac": (Door.SYSTEM, "a MAC"),
    # the gateway
    "realtime.StreamHead.stream": (Door.SYSTEM, "a stream name"),
    "realtime.StreamEvent.stream": (Door.SYSTEM, "a stream name"),
    "realtime.StreamEvent.cid": (Door.SYSTEM, "a client id"),
    "realtime.CommandReceipt.stream": (Door.SYSTEM, "a stream name"),
    "realtime.CommandReceipt.cid": (Door.SYSTEM, "a client id"),
}


def fields_by_door(door: Door) -> list[str]:
    return sorted(name for name, (kind, _where) in FIELDS.items() if kind == door)
