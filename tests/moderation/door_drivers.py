"""One driver per guarded field of moderation.doors: how a person's text reaches that field
through its real door — a page, the JSON API, a socket command (the gateway's own function), the
admin, the roster import — set up through the services as a member would find it.

A driver takes the world and a text, enters the text into its field and nothing else, and tells
what the person saw: accepted, or refused with what they were told."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from kernel.errors import DomainError
from meetings.models import Meeting, MeetingKind
from members.access import SYSTEM, Actor
from members.models import Member, MemberStatus, RoleKind
from tests.conftest import MemberFactory, OrgTree
from tests.moderation.test_documents import text_pdf

JSON = "application/json"
PDF = text_pdf(["支部学习材料"])


@dataclass(frozen=True)
class Outcome:
    accepted: bool
    said: str = ""  # what the person was told when refused


@dataclass
class World:
    """A committee with two branches (conftest.org_tree) and the people the doors need."""

    tree: OrgTree
    make: MemberFactory
    actor_of: Callable[[Member], Actor]
    tmp: Path
    _clients: dict[int, Client] = field(default_factory=dict)

    @cached_property
    def secretary(self) -> Member:
        """Secretary and lecturer of 第一党支部."""
        branch = self.tree.branch_a
        return self.make(branch, roles=[(RoleKind.SECRETARY, branch), (RoleKind.LECTURER, branch)])

    @cached_property
    def member(self) -> Member:
        return self.make(self.tree.group_a1)

    @cached_property
    def other(self) -> Member:
        return self.make(self.tree.branch_a)

    @cached_property
    def moderator(self) -> Member:
        return self.make(self.tree.committee, roles=[(RoleKind.MODERATOR, self.tree.committee)])

    @cached_property
    def committee_secretary(self) -> Member:
        return self.make(self.tree.committee, roles=[(RoleKind.SECRETARY, self.tree.committee)])

    def client(self, member: Member) -> Client:
        if member.pk not in self._clients:
            client = Client()
            client.force_login(member.user)
            self._clients[member.pk] = client
        return self._clients[member.pk]

    @cached_property
    def staff(self) -> Client:
        user = get_user_model().objects.create_superuser(username="staff", password="staff-pass-2024")
        client = Client()
        client.force_login(user)
        return client

    def act(self, member: Member) -> Actor:
        return self.actor_of(member)

    def meeting(self, *, kind: str = MeetingKind.BRANCH_GENERAL, live: bool = True) -> Meeting:
        """A meeting of 第一党支部 called by its secretary; live, with the secretary, the member and
        the other member in the room."""
        from meetings import lifecycle, lobby
        from meetings import services as meetings

        people = (self.secretary, self.member, self.other)  # members before the meeting: invited
        start = timezone.now() + (dt.timedelta(0) if live else dt.timedelta(days=1))
        host = self.act(self.secretary)
        meeting = meetings.meeting_schedule(
            by=host, organisation=self.tree.branch_a, kind=kind, title="支部党员大会", starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
        )  # fmt: skip
        if live:
            lifecycle.meeting_start(by=host, meeting=meeting)
            for person in people:
                assert lobby.room_enter(by=self.act(person), meeting=meeting) == "admitted"
                meetings.attendance_join(meeting=meeting, member_id=person.pk)
        return meeting

    def post(self) -> int:
        """A thread the other member opened; its opening post's id."""
        from forum.services import thread_create

        board = self.tree.branch_a.boards.get(name="党员论坛")
        return thread_create(by=self.act(self.other), board_id=board.pk, title="学习体会", source="谈谈体会").pk

    def queue_item(self) -> int:
        """The review-queue item of a post the member flagged."""
        from moderation.models import QueueItem
        from moderation.services import flag_create

        post = self.post()
        flag_create(by=self.act(self.member), ref=f"forum.post:{post}", reason="spam")
        return QueueItem.objects.get(object_id=post).pk

    def resolution(self) -> Any:
        """A closed motion of the branch's general meeting, every full member in favour."""
        from meetings import votes

        meeting = self.meeting()
        host = self.act(self.secretary)
        motion = votes.motion_open(by=host, meeting=meeting, title="关于取消预备党员资格的决议", secret=True)
        for voter in (self.secretary, self.member, self.other):
            votes.ballot_cast(by=self.act(voter), motion=motion, choices=["for"])
        return votes.motion_close(by=host, motion=motion)


# --- How a person reaches a door -----------------------------------------------------------------


def api(client: Client, method: str, url: str, body: object) -> Outcome:
    response = getattr(client, method)(url, data=json.dumps(body), content_type=JSON)
    return _answer(response)


def form(client: Client, url: str, data: dict[str, Any]) -> Outcome:
    """A multipart form to the JSON API (uploads)."""
    return _answer(client.post(url, data))


def _answer(response: Any) -> Outcome:
    if response.status_code < 300:
        return Outcome(True)
    assert response["Content-Type"].startswith(JSON), (response.status_code, response.content[:500])
    return Outcome(False, response.json()["message"])


def page(client: Client, url: str, data: dict[str, Any]) -> Outcome:
    """A page's form: saved and redirected, or shown again with what was wrong."""
    response = client.post(url, data)
    assert response.status_code in (200, 302), (response.status_code, response.content[:500])
    return Outcome(response.status_code == 302, response.content.decode())


def command(actor: Actor, type_: str, stream: str, **arguments: Any) -> Outcome:
    """A socket command, through the function the gateway runs for the frame."""
    from realtime import conf, gateway
    from realtime.protocol import parse_frame

    text = json.dumps({"type": type_, "stream": stream, **arguments})
    frame = parse_frame(text, max_bytes=conf.get("MAX_FRAME_BYTES"))
    try:
        gateway.command_run(actor=actor, envelope=frame)  # type: ignore[arg-type]
    except DomainError as error:
        return Outcome(False, error.message)
    return Outcome(True)


def roster(w: World, *, real_name: str = "新党员", location: str = "") -> Outcome:
    """``manage.py import_members`` (the import page reads the file with the same function)."""
    path = w.tmp / "roster.csv"
    path.write_text(
        "username,real_name,organisation,status,phone,migrant,location\n"
        f"newcomer,{real_name},{w.tree.branch_a.code},full,,{'是' if location else ''},{location}\n",
        encoding="utf-8",
    )
    err = io.StringIO()
    try:
        call_command("import_members", str(path), stdout=io.StringIO(), stderr=err)
    except CommandError:
        return Outcome(False, err.getvalue())
    return Outcome(True)


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def today() -> str:
    return timezone.localdate().isoformat()


# --- forum ---------------------------------------------------------------------------------------


def _board(w: World) -> int:
    return int(w.tree.branch_a.boards.get(name="党员论坛").pk)


def thread_title(w: World, text: str) -> Outcome:
    return api(w.client(w.member), "post", f"/api/forum/boards/{_board(w)}/threads", {"title": text, "text": "正文"})


def post_source(w: World, text: str) -> Outcome:
    from forum.models import Post

    thread = Post.objects.get(pk=w.post()).thread_id
    return api(w.client(w.member), "post", f"/api/forum/threads/{thread}/posts", {"text": text})


def attachment_name(w: World, text: str) -> Outcome:
    return form(w.client(w.member), "/api/forum/attachments", {"file": upload(f"{text}.pdf")})


def _board_admin(w: World, name: str, description: str) -> Outcome:
    now = timezone.localtime()
    data = {"organisation": w.tree.branch_a.pk, "name": name, "description": description, "visibility": "subtree",
            "position": 9, "created_0": now.date().isoformat(), "created_1": now.strftime("%H:%M:%S")}  # fmt: skip
    return page(w.staff, "/admin/forum/board/add/", data)


# --- mailboxes -----------------------------------------------------------------------------------


def _conversation(w: World) -> int:
    from mailboxes import services

    return services.conversation_open(by=w.act(w.member), other_id=w.other.pk).pk


def message_text(w: World, text: str) -> Outcome:
    return api(w.client(w.member), "post", f"/api/mailbox/conversations/{_conversation(w)}/messages", {"text": text})


def report_reason(w: World, text: str) -> Outcome:
    from mailboxes import services

    conversation = _conversation(w)
    seq = services.message_send(by=w.act(w.other), conversation_id=conversation, text="你再这样我就不客气了")
    url = f"/api/mailbox/conversations/{conversation}/report"
    return api(w.client(w.member), "post", url, {"seq": seq, "reason": text, "consent": True})


def _writing(w: World, *, submit: bool) -> int:
    from mailboxes import services

    return services.writing_create(by=w.act(w.member), title="思想汇报", text="本季度的学习", submit=submit).pk


def writing_texts(w: World, *, title: str = "思想汇报", text: str = "本季度的学习") -> Outcome:
    return api(w.client(w.member), "post", "/api/mailbox/writings", {"title": title, "text": text})


def writing_comment(w: World, text: str) -> Outcome:
    writing = _writing(w, submit=True)
    return api(w.client(w.member), "post", f"/api/mailbox/writings/{writing}/comments", {"text": text})


def mailbox_file(w: World, text: str) -> Outcome:
    writing = _writing(w, submit=False)
    return form(w.client(w.member), f"/api/mailbox/writings/{writing}/files", {"files": upload(f"{text}.pdf")})


def tip(w: World, *, subject: str = "反映问题", text: str = "情况如下", person: str = "") -> Outcome:
    data = {"organisation": w.tree.committee.pk, "subject": subject, "text": text, "person_concerned": person}
    return form(w.client(w.member), "/api/mailbox/tips", data)


def tip_entry(w: World, text: str) -> Outcome:
    from mailboxes import services

    _tip, code = services.tip_file(by=w.act(w.member), organisation_id=w.tree.committee.pk, subject="反映问题",
                                   text="情况如下")  # fmt: skip
    return api(Client(), "post", "/api/mailbox/tips/follow-up/add", {"receipt_code": code, "text": text})


# --- meetings and lessons ------------------------------------------------------------------------


def meeting_schedule(w: World, *, title: str = "支部委员会", agenda: list[str] | None = None) -> Outcome:
    start = timezone.now() + dt.timedelta(days=1)
    body = {"organisation_id": w.tree.branch_a.pk, "kind": MeetingKind.BRANCH_COMMITTEE, "title": title,
            "starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=1)).isoformat(),
            "agenda": agenda or []}  # fmt: skip
    return api(w.client(w.secretary), "post", "/api/meetings", body)


def motion(w: World, *, title: str = "选举支部委员", options: list[str] | None = None) -> Outcome:
    body: dict[str, Any] = {"title": title}
    if options is not None:
        body.update(kind="election", options=options)
    return api(w.client(w.secretary), "post", f"/api/meetings/{w.meeting().pk}/motions", body)


def chat(w: World, text: str) -> Outcome:
    meeting = w.meeting()
    return command(w.act(w.member), "meeting.chat", f"meeting:{meeting.pk}", text=text)


def breakout(w: World, text: str) -> Outcome:
    meeting = w.meeting()
    rooms = [{"name": text, "members": [w.member.pk, w.other.pk]}]
    return command(w.act(w.secretary), "meeting.breakout.start", f"meeting:{meeting.pk}", minutes=5, by_group=False,
                   rooms=rooms)  # fmt: skip


def question(w: World, text: str) -> Outcome:
    lesson = w.meeting(kind=MeetingKind.LESSON)
    return api(w.client(w.member), "post", f"/api/meetings/{lesson.pk}/questions", {"text": text})


def meeting_attachment(w: World, text: str) -> Outcome:
    meeting = w.meeting(live=False)
    return form(w.client(w.secretary), f"/api/meetings/{meeting.pk}/attachments", {"file": upload(f"{text}.pdf")})


def minutes(w: World, text: str) -> Outcome:
    return api(w.client(w.secretary), "put", f"/api/meetings/{w.meeting().pk}/minutes", {"text": text})


def leave(w: World, text: str) -> Outcome:
    meeting = w.meeting(live=False)
    return api(w.client(w.member), "post", f"/api/meetings/{meeting.pk}/leave", {"reason": text})


def slide_deck(w: World, text: str) -> Outcome:
    lesson = w.meeting(kind=MeetingKind.LESSON, live=False)
    return form(w.client(w.secretary), f"/api/meetings/{lesson.pk}/slides", {"file": upload(f"{text}.pdf")})


def course(w: World, *, title: str = "党史专题", description: str = "") -> Outcome:
    body = {"organisation": w.tree.branch_a.pk, "title": title, "description": description}
    return api(w.client(w.secretary), "post", "/api/branch/courses", body)


def course_document(w: World, *, title: str = "", name: str = "材料") -> Outcome:
    from lessons import courses

    created = courses.course_create(by=w.act(w.secretary), organisation_id=w.tree.branch_a.pk, title="党史专题")
    data = {"file": upload(f"{name}.pdf"), "title": title}
    return form(w.client(w.secretary), f"/api/branch/courses/{created.pk}/documents", data)


# --- branch affairs ------------------------------------------------------------------------------


def dues_reference(w: World, text: str) -> Outcome:
    from branch import services
    from branch.dues_rules import month_start

    this = month_start(timezone.localdate())
    services.dues_standard_set(by=w.act(w.secretary), member_id=w.member.pk, category="employed",
                               income_fen=8_000_00, effective_from=this)  # fmt: skip
    body = {"first_month": this.isoformat(), "months": 1, "amount_fen": 12_000, "method": "transfer",
            "paid_on": today(), "reference": text}  # fmt: skip
    return api(w.client(w.member), "post", "/api/branch/dues/payments", body)


def notice(w: World, *, title: str = "学习通知", body: str = "请按时学习。", name: str = "") -> Outcome:
    data: dict[str, Any] = {"organisation": w.tree.branch_a.pk, "title": title, "body": body}
    if name:
        data["files"] = upload(f"{name}.pdf")
    return form(w.client(w.secretary), "/api/branch/notices", data)


def _appraisal(w: World, *, concluding: bool) -> int:
    from branch import services
    from branch.models import Appraisal

    now = timezone.now()
    opened = Appraisal.objects.filter(organisation=w.tree.branch_a, year=now.year).first()
    if opened is not None:
        return opened.pk
    starts, ends = (now - dt.timedelta(days=2), now - dt.timedelta(hours=1)) if concluding else (
        now - dt.timedelta(hours=1), now + dt.timedelta(days=1))  # fmt: skip
    assert w.member.pk and w.other.pk  # appraised: at least two full members besides the secretary
    return services.appraisal_open(by=w.act(w.secretary), organisation_id=w.tree.branch_a.pk, year=now.year,
                                   rating_starts=starts, rating_ends=ends).pk  # fmt: skip


def self_assessment(w: World, text: str) -> Outcome:
    url = f"/api/branch/appraisals/{_appraisal(w, concluding=False)}/self-assessment"
    return api(w.client(w.member), "put", url, {"text": text})


def conclusion_reasons(w: World, text: str) -> Outcome:
    url = f"/api/branch/appraisals/{_appraisal(w, concluding=True)}/conclusions"
    return api(w.client(w.secretary), "post", url, {"member": w.member.pk, "grade": "basic", "reasons": text})


# --- member records ------------------------------------------------------------------------------


def talk_note(w: World, text: str) -> Outcome:
    from membership import services

    applicant = w.make(w.tree.group_a1, status=MemberStatus.APPLICANT)
    services.record_update(by=SYSTEM, member=applicant, birth_date=dt.date(2000, 5, 1))
    day = timezone.localdate()
    services.application_record(by=w.act(w.secretary), member=applicant, on=day - dt.timedelta(days=20))
    url = f"/api/membership/members/{applicant.pk}/steps/talk"
    return api(w.client(w.secretary), "post", url, {"on": (day - dt.timedelta(days=1)).isoformat(), "note": text})


def _probationer(w: World) -> Member:
    return w.make(w.tree.group_a1, status=MemberStatus.PROBATIONARY)


def proposal_reason(w: World, text: str) -> Outcome:
    probationer = _probationer(w)
    url = f"/api/membership/members/{probationer.pk}/steps/cancel"
    return api(w.client(w.secretary), "post", url, {"reason": text, "motion_id": w.resolution().pk})


def decision_note(w: World, text: str) -> Outcome:
    from membership import services

    proposal = services.cancellation_propose(by=w.act(w.secretary), member=_probationer(w), reason="长期不参加组织生活",
                                             motion=w.resolution())  # fmt: skip
    url = f"/api/membership/proposals/{proposal.pk}/decision"
    return api(w.client(w.committee_secretary), "post", url, {"approve": False, "on": today(), "note": text})


def transfer(w: World, *, destination: str = "", reason: str = "工作调动") -> Outcome:
    body: dict[str, Any] = {"reason": reason}
    body.update({"destination": destination} if destination else {"to_org_id": w.tree.branch_b.pk})
    return api(w.client(w.member), "post", "/api/membership/transfers", body)


def transfer_refusal(w: World, text: str) -> Outcome:
    from membership import services
    from membership.models import Transfer

    requested = Transfer.objects.filter(member=w.member).first() or services.transfer_request(
        by=w.act(w.member), member=w.member, to_org=w.tree.branch_b, reason="工作调动"
    )
    return api(w.client(w.secretary), "post", f"/api/membership/transfers/{requested.pk}/refuse", {"reason": text})


def migrant_location(w: World, text: str) -> Outcome:
    since = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    return api(w.client(w.member), "post", "/api/membership/migrant", {"location": text, "since": since})


# --- members and organisations -------------------------------------------------------------------


def organisation_name(w: World, text: str) -> Outcome:
    data = {"name": text, "code": "DOOR-G", "kind": "group", "parent": w.tree.branch_a.pk}
    return page(w.staff, "/admin/members/organisation/add/", data)


# --- moderation ----------------------------------------------------------------------------------


def flag_note(w: World, text: str) -> Outcome:
    body = {"content": f"forum.post:{w.post()}", "reason": "other", "note": text}
    return api(w.client(w.member), "post", "/api/moderation/flags", body)


def reject_reason(w: World, text: str) -> Outcome:
    url = f"/api/moderation/queue/{w.queue_item()}/reject"
    return api(w.client(w.moderator), "post", url, {"reason": text})


def escalation_note(w: World, text: str) -> Outcome:
    url = f"/api/moderation/queue/{w.queue_item()}/escalate"
    return api(w.client(w.moderator), "post", url, {"note": text})


def sanction_reason(w: World, text: str) -> Outcome:
    body = {"member_id": w.member.pk, "kind": "warn", "reason": text}
    return api(w.client(w.moderator), "post", "/api/moderation/sanctions", body)


Driver = Callable[[World, str], Outcome]

DRIVERS: dict[str, Driver] = {
    "forum.Thread.title": thread_title,
    "forum.Post.source": post_source,
    "forum.Attachment.filename": attachment_name,
    "forum.Board.name": lambda w, text: _board_admin(w, text, "版块说明"),
    "forum.Board.description": lambda w, text: _board_admin(w, "新版块", text),
    "mailbox.MessageReport.reason": report_reason,
    "mailbox.Writing.title": lambda w, text: writing_texts(w, title=text),
    "mailbox.Writing.text": lambda w, text: writing_texts(w, text=text),
    "mailbox.WritingComment.text": writing_comment,
    "mailbox.Tip.subject": lambda w, text: tip(w, subject=text),
    "mailbox.Tip.text": lambda w, text: tip(w, text=text),
    "mailbox.Tip.person_concerned": lambda w, text: tip(w, person=text),
    "mailbox.TipEntry.text": tip_entry,
    "mailbox.MailboxFile.name": mailbox_file,
    "realtime.StreamEvent.payload": message_text,
    "meetings.Meeting.title": lambda w, text: meeting_schedule(w, title=text),
    "meetings.Meeting.agenda": lambda w, text: meeting_schedule(w, agenda=["学习文件", text]),
    "meetings.Motion.title": lambda w, text: motion(w, title=text),
    "meetings.Motion.options": lambda w, text: motion(w, options=[text, "李四"]),
    "meetings.Tally.option": lambda w, text: motion(w, options=[text, "李四"]),
    "meetings.ChatMessage.text": chat,
    "lessons.Question.text": question,
    "meetings.MeetingAttachment.filename": meeting_attachment,
    "meetings.Minutes.text": minutes,
    "meetings.LeaveRequest.reason": leave,
    "meetings.Breakout.name": breakout,
    "lessons.Course.title": lambda w, text: course(w, title=text),
    "lessons.Course.description": lambda w, text: course(w, description=text),
    "lessons.CourseItem.title": lambda w, text: course_document(w, title=text),
    "lessons.CourseItem.filename": lambda w, text: course_document(w, name=text),
    "lessons.SlideDeck.filename": slide_deck,
    "branch.DuesPayment.reference": dues_reference,
    "branch.Notice.title": lambda w, text: notice(w, title=text),
    "branch.Notice.body": lambda w, text: notice(w, body=text),
    "branch.NoticeFile.filename": lambda w, text: notice(w, name=text),
    "branch.Participant.self_assessment": self_assessment,
    "branch.Participant.reasons": conclusion_reasons,
    "membership.HistoryEntry.note": talk_note,
    "membership.Proposal.reason": proposal_reason,
    "membership.Proposal.decision_note": decision_note,
    "membership.Transfer.destination": lambda w, text: transfer(w, destination=text),
    "membership.Transfer.reason": lambda w, text: transfer(w, reason=text),
    "membership.Transfer.refusal_reason": transfer_refusal,
    "membership.MigrantRegistration.location": migrant_location,
    "members.Organisation.name": organisation_name,
    "members.Member.real_name": lambda w, text: roster(w, real_name=text),
    "members.Member.current_location": lambda w, text: roster(w, location=text),
    "moderation.Flag.note": flag_note,
    "moderation.QueueItem.decision_reason": reject_reason,
    "moderation.QueueItem.details": escalation_note,
    "moderation.Sanction.reason": sanction_reason,
}
