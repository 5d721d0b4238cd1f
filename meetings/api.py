"""JSON API for meetings: scheduling, attachments, leave, attendance, votes, minutes, statistics,
ICE servers."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from kernel.errors import NotFound
from kernel.ids import Id, Quarter, Year
from meetings import attachments, lifecycle, selectors, services, votes
from meetings.ice import ice_servers_for
from meetings.models import LeaveRequest, Meeting, Motion
from meetings.schemas import (
    AttendanceRow,
    BallotIn,
    CohostsOut,
    IceServersOut,
    InviteesIn,
    LeaveDecisionIn,
    LeaveIn,
    LeaveOut,
    MeetingAttachmentOut,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MeetingStatsOut,
    MinutesIn,
    MinutesOut,
    MotionIn,
    MotionOut,
    Ok,
)
from members.access import actor_for
from members.models import Member, Organisation

router = Router(tags=["meetings"])


class ErrorOut(Schema):
    code: str
    message: str


ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut,
    429: ErrorOut,
}  # fmt: skip


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    return selectors.meeting_get_for(actor=actor_for(request.user), meeting_id=meeting_id)


def _organisation(org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None:
        raise NotFound()
    return org


@router.get("/meetings", response={200: list[MeetingOut], **ERRORS})
def meetings_upcoming(request: HttpRequest) -> list[MeetingOut]:
    return [MeetingOut.of(m) for m in selectors.meetings_upcoming_for(actor=actor_for(request.user))]


@router.post("/meetings", response={201: MeetingOut, **ERRORS})
def meeting_schedule(request: HttpRequest, payload: MeetingIn) -> Status[MeetingOut]:
    meeting = services.meeting_schedule(
        by=actor_for(request.user),
        organisation=_organisation(payload.organisation_id),
        kind=payload.kind,
        title=payload.title,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        agenda=payload.agenda,
        cohosts=Member.objects.filter(pk__in=payload.cohost_ids),
        invitees=None if payload.invitee_ids is None else Member.objects.filter(pk__in=payload.invitee_ids),
        quorum_ratio=payload.quorum_ratio,
    )
    return Status(201, MeetingOut.of(meeting))


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS})
def meeting_detail(request: HttpRequest, meeting_id: Id) -> MeetingOut:
    return MeetingOut.of(_meeting(request, meeting_id))


@router.patch("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS})
def meeting_update(request: HttpRequest, meeting_id: Id, payload: MeetingPatch) -> MeetingOut:
    meeting = services.meeting_update(
        by=actor_for(request.user), meeting=_meeting(request, meeting_id), **payload.dict(exclude_unset=True)
    )
    return MeetingOut.of(meeting)


@router.post("/meetings/{meeting_id}/cancel", response={200: MeetingOut, **ERRORS})
def meeting_cancel(request: HttpRequest, meeting_id: Id) -> MeetingOut:
    return MeetingOut.of(services.meeting_cancel(by=actor_for(request.user), meeting=_meeting(request, meeting_id)))


@router.put("/meetings/{meeting_id}/invitees", response={200: Ok, **ERRORS})
def meeting_invitees(request: HttpRequest, meeting_id: Id, payload: InviteesIn) -> Ok:
    services.meeting_invitees_set(
        by=actor_for(request.user),
        meeting=_meeting(request, meeting_id),
        members=Member.objects.filter(pk__in=payload.member_ids),
    )
    return Ok()


@router.put("/meetings/{meeting_id}/cohosts", response={200: CohostsOut, **ERRORS})
def meeting_cohosts(request: HttpRequest, meeting_id: Id, payload: InviteesIn) -> CohostsOut:
    meeting = _meeting(request, meeting_id)
    members = Member.objects.select_related("organisation").filter(pk__in=payload.member_ids)
    cohost_ids = services.meeting_cohosts_set(by=actor_for(request.user), meeting=meeting, members=members)
    return CohostsOut(cohost_ids=cohost_ids)


# Starting and ending go through the live room, so pages in the room hear of it.
@router.post("/meetings/{meeting_id}/start", response={200: MeetingOut, **ERRORS})
def meeting_start(request: HttpRequest, meeting_id: Id) -> MeetingOut:
    meeting = _meeting(request, meeting_id)
    lifecycle.meeting_start(by=actor_for(request.user), meeting=meeting)
    return MeetingOut.of(meeting)


@router.post("/meetings/{meeting_id}/end", response={200: MeetingOut, **ERRORS})
def meeting_end(request: HttpRequest, meeting_id: Id) -> MeetingOut:
    meeting = _meeting(request, meeting_id)
    lifecycle.meeting_end(by=actor_for(request.user), meeting=meeting)
    return MeetingOut.of(meeting)


@router.get("/meetings/{meeting_id}/attachments", response={200: list[MeetingAttachmentOut], **ERRORS})
def attachment_list(request: HttpRequest, meeting_id: Id) -> list[MeetingAttachmentOut]:
    return [MeetingAttachmentOut.of(a) for a in attachments.attachments_of(_meeting(request, meeting_id))]


@router.post("/meetings/{meeting_id}/attachments", response={201: MeetingAttachmentOut, **ERRORS})
def attachment_upload(request: HttpRequest, meeting_id: Id, file: File[UploadedFile]) -> Status[MeetingAttachmentOut]:
    attachment = attachments.attachment_upload(
        by=actor_for(request.user), meeting=_meeting(request, meeting_id), name=file.name or "", stream=file,
        size=file.size,
    )  # fmt: skip
    return Status(201, MeetingAttachmentOut.of(attachment))


@router.delete("/meetings/{meeting_id}/attachments/{attachment_id}", response={200: Ok, **ERRORS})
def attachment_delete(request: HttpRequest, meeting_id: Id, attachment_id: Id) -> Ok:
    attachments.attachment_delete(
        by=actor_for(request.user), meeting=_meeting(request, meeting_id), attachment_id=attachment_id
    )
    return Ok()


@router.post("/meetings/{meeting_id}/leave", response={201: LeaveOut, **ERRORS})
def leave_request(request: HttpRequest, meeting_id: Id, payload: LeaveIn) -> Status[LeaveRequest]:
    meeting = _meeting(request, meeting_id)
    leave = services.leave_request_create(by=actor_for(request.user), meeting=meeting, reason=payload.reason)
    return Status(201, leave)


@router.get("/meetings/{meeting_id}/leave", response={200: list[LeaveOut], **ERRORS})
def leave_requests(request: HttpRequest, meeting_id: Id) -> list[LeaveRequest]:
    return list(selectors.leave_requests_for(actor=actor_for(request.user), meeting=_meeting(request, meeting_id)))


@router.post("/meetings/{meeting_id}/leave/{request_id}/decision", response={200: LeaveOut, **ERRORS})
def leave_decide(request: HttpRequest, meeting_id: Id, request_id: Id, payload: LeaveDecisionIn) -> LeaveRequest:
    meeting = _meeting(request, meeting_id)
    leave = get_object_or_404(LeaveRequest, pk=request_id, meeting=meeting)
    return services.leave_request_decide(by=actor_for(request.user), request=leave, approve=payload.approve)


@router.get("/meetings/{meeting_id}/attendance", response={200: list[AttendanceRow], **ERRORS})
def attendance(request: HttpRequest, meeting_id: Id) -> list[AttendanceRow]:
    return selectors.attendance_report(actor=actor_for(request.user), meeting=_meeting(request, meeting_id))


@router.get("/meetings/{meeting_id}/motions", response={200: list[MotionOut], **ERRORS}, exclude_unset=True)
def motions(request: HttpRequest, meeting_id: Id) -> list[MotionOut]:
    meeting = _meeting(request, meeting_id)
    return [MotionOut.of(m) for m in meeting.motions.order_by("opened_at", "pk")]


@router.post("/meetings/{meeting_id}/motions", response={201: MotionOut, **ERRORS}, exclude_unset=True)
def motion_open(request: HttpRequest, meeting_id: Id, payload: MotionIn) -> Status[MotionOut]:
    motion = votes.motion_open(by=actor_for(request.user), meeting=_meeting(request, meeting_id), **payload.dict())
    return Status(201, MotionOut.of(motion))


def _motion(request: HttpRequest, motion_id: int) -> Motion:
    motion = Motion.objects.filter(pk=motion_id).first()
    if motion is None:
        raise NotFound()
    _meeting(request, motion.meeting_id)  # the access check
    return motion


@router.post("/motions/{motion_id}/ballot", response={200: Ok, **ERRORS})
def ballot_cast(request: HttpRequest, motion_id: Id, payload: BallotIn) -> Ok:
    votes.ballot_cast(by=actor_for(request.user), motion=_motion(request, motion_id), choices=payload.choices)
    return Ok()


@router.post("/motions/{motion_id}/close", response={200: MotionOut, **ERRORS}, exclude_unset=True)
def motion_close(request: HttpRequest, motion_id: Id) -> MotionOut:
    motion = votes.motion_close(by=actor_for(request.user), motion=_motion(request, motion_id))
    return MotionOut.of(motion)


@router.get("/meetings/{meeting_id}/minutes", response={200: MinutesOut, **ERRORS}, exclude_unset=True)
def minutes_get(request: HttpRequest, meeting_id: Id) -> MinutesOut:
    return selectors.minutes_get_for(actor=actor_for(request.user), meeting=_meeting(request, meeting_id))


@router.put("/meetings/{meeting_id}/minutes", response={200: MinutesOut, **ERRORS}, exclude_unset=True)
def minutes_save(request: HttpRequest, meeting_id: Id, payload: MinutesIn) -> MinutesOut:
    actor = actor_for(request.user)
    meeting = _meeting(request, meeting_id)
    services.minutes_save(by=actor, meeting=meeting, text=payload.text)
    return selectors.minutes_get_for(actor=actor, meeting=meeting)


@router.post("/meetings/{meeting_id}/minutes/finalise", response={200: MinutesOut, **ERRORS}, exclude_unset=True)
def minutes_finalise(request: HttpRequest, meeting_id: Id) -> MinutesOut:
    actor = actor_for(request.user)
    meeting = _meeting(request, meeting_id)
    services.minutes_finalise(by=actor, meeting=meeting)
    return selectors.minutes_get_for(actor=actor, meeting=meeting)


@router.get("/meetings/{meeting_id}/ice-servers", response={200: IceServersOut, **ERRORS}, exclude_none=True)
def ice_servers(request: HttpRequest, meeting_id: Id) -> IceServersOut:
    actor = actor_for(request.user)
    selectors.meeting_get_for(actor=actor, meeting_id=meeting_id)
    assert actor.user_id is not None  # a member's actor always has its user
    return ice_servers_for(user_id=actor.user_id)


@router.get("/organisations/{org_id}/meeting-stats", response={200: MeetingStatsOut, **ERRORS})
def meeting_stats(request: HttpRequest, org_id: Id, year: Year, quarter: Quarter) -> MeetingStatsOut:
    return selectors.meeting_stats_for(
        actor=actor_for(request.user), organisation=_organisation(org_id), year=year, quarter=quarter
    )
