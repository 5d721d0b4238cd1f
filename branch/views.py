"""The branch's pages. Reads through branch.selectors, writes through branch.services; a refused
form shows the domain error's message on the page it came from."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from branch import charts, dues_rules, selectors, services
from branch.models import DuesCategory, Grade, PaymentMethod
from kernel import files
from kernel.errors import DomainError, Invalid, NotFound
from kernel.ids import MAX_ID, id_or_none, int_or_none
from lessons import courses
from meetings.models import Meeting, MeetingKind
from members.access import Action, actor_for, can, can_at_branch, organisations_where, subtree_q
from members.models import Member, MemberStatus, Organisation
from realtime.services import stream_head

MAX_NAMED = 500  # members listed on the notice form for naming


def _int(value: str | None, default: int | None = None) -> int | None:
    number = int_or_none((value or "").strip(), 0, MAX_ID)
    return default if number is None else number


def _fen(value: str | None) -> int:
    """A yuan amount typed on a form ("40", "40.5", "-3") as integer fen, exactly."""
    text = (value or "").strip()
    negative = text.startswith("-")
    whole, _dot, frac = text.lstrip("-").partition(".")
    if not whole.isdigit() or len(whole) > 12 or (frac and (not frac.isdigit() or len(frac) > 2)):
        return -1
    fen = int(whole) * 100 + int((frac + "00")[:2])
    return -fen if negative else fen


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "").strip()[:10])
    except ValueError:
        return None


def _month(value: str | None) -> dt.date | None:
    return _date(f"{value}-01") if value and len(value) == 7 else _date(value)


def _organisations_where(actor: Any, action: Action) -> list[Organisation]:
    paths = organisations_where(actor, action)
    return list(Organisation.objects.filter(path__in=paths).order_by("path")) if paths else []


def _attempt(request: HttpRequest, work: Callable[[], Any], done: str) -> bool:
    try:
        work()
    except DomainError as error:
        messages.error(request, error.message)
        return False
    messages.success(request, done)
    return True


@login_required
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    return render(
        request,
        "branch/index.html",
        {
            "dues_orgs": selectors.dues_branches_for(actor=actor),
            "unread": selectors.unread_notice_count(member_id=actor.mid),
            "appraisals": selectors.appraisals_for(actor=actor),
        },
    )


# --- Dues ------------------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    year = _int(request.GET.get("year"), timezone.localdate().year) or 0
    return year if 2000 <= year <= 2100 else timezone.localdate().year


def _payment_form(request: HttpRequest) -> dict[str, Any]:
    return {
        "first_month": _month(request.POST.get("first_month")) or dt.date(1, 1, 1),
        "months": _int(request.POST.get("months"), 0) or 0,
        "amount_fen": _fen(request.POST.get("amount")),
        "method": request.POST.get("method", ""),
        "paid_on": _date(request.POST.get("paid_on")) or timezone.localdate(),
        "reference": request.POST.get("reference", "")[:200],
    }


@login_required
def my_dues(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if request.method == "POST":
        form = _payment_form(request)
        if _attempt(request, lambda: services.dues_payment_declare(by=actor, **form),
                    _("Your payment is declared; the branch will confirm it.")):  # fmt: skip
            return redirect("branch:my_dues")
    year = _year(request)
    data = selectors.dues_member_year(actor=actor, member_id=actor.mid, year=year)
    return render(request, "branch/my_dues.html", {**vars(data), "year": year, **_dues_choices()})


def _dues_choices() -> dict[str, Any]:
    this = selectors.current_month()
    return {
        "methods": [(v, label) for v, label in PaymentMethod.choices if v != PaymentMethod.PROVIDER],
        "categories": DuesCategory.choices,
        "this_month": this,
        "month_choices": [dues_rules.add_months(this, n) for n in range(-12, 13)],
        "today": timezone.localdate(),
    }


@login_required
def member_dues(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member's dues as their branch's officers see them: set the standard, record a payment."""
    actor = actor_for(request.user)
    member = selectors.dues_member_for(actor=actor, member_id=member_id)
    if request.method == "POST":
        if request.POST.get("action") == "standard":
            income = _fen(request.POST.get("income"))
            category = request.POST.get("category", "")
            _attempt(request, lambda: services.dues_standard_set(by=actor, member_id=member.pk, category=category,
                                                                 income_fen=income),
                     _("The dues standard is set."))  # fmt: skip
        else:
            form = _payment_form(request)
            _attempt(request, lambda: services.dues_payment_record(by=actor, member_id=member.pk, **form),
                     _("The payment is recorded."))  # fmt: skip
        return redirect("branch:member_dues", member.pk)
    year = _year(request)
    data = selectors.dues_member_year(actor=actor, member_id=member.pk, year=year)
    officer = can_at_branch(actor, Action.MANAGE_DUES, member.organisation)
    return render(
        request, "branch/member_dues.html", {**vars(data), "year": year, "officer": officer, **_dues_choices()}
    )


@login_required
def branch_dues(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remind":
            _attempt(request, lambda: services.dues_reminders_send(by=actor, organisation_id=organisation_id),
                     _("Reminders sent."))  # fmt: skip
        elif action in {"confirm", "reject"}:
            payment_id = _int(request.POST.get("payment"), 0) or 0
            _attempt(request, lambda: services.dues_payment_decide(by=actor, payment_id=payment_id,
                                                                   confirm=action == "confirm"),
                     _("Payment confirmed.") if action == "confirm" else _("Payment rejected."))  # fmt: skip
        return redirect("branch:branch_dues", organisation_id)
    month = _month(request.GET.get("month")) or timezone.localdate()
    branch, rows = selectors.dues_branch_month(actor=actor, organisation_id=organisation_id, month=month)
    return render(
        request,
        "branch/branch_dues.html",
        {
            "branch": branch,
            "rows": rows,
            "month": dues_rules.month_start(month),
            "pending": selectors.payments_pending(actor=actor, organisation_id=organisation_id),
            "totals": {
                "due": sum(r.due_fen for r in rows),
                "paid": sum(r.due_fen for r in rows if r.paid_this_month),
                "arrears": sum(r.arrears_fen for r in rows),
            },
            "reminder_months": services.REMINDER_MONTHS,
            "warning_months": services.WARNING_MONTHS,
        },
    )


@login_required
def branch_dues_csv(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    month = _month(request.GET.get("month")) or timezone.localdate()
    branch, rows = selectors.dues_branch_month(actor=actor, organisation_id=organisation_id, month=month)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dues-{branch.pk}-{month:%Y-%m}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with the BOM
    writer = csv.writer(response)
    writer.writerow([_("Member"), _("Organisation"), _("Monthly dues (yuan)"), _("Paid this month"),
                     _("Months overdue"), _("Arrears (yuan)"), _("Overdue months")])  # fmt: skip
    for r in rows:
        writer.writerow([
            _csv_safe(r.member.real_name), _csv_safe(r.member.organisation.name),
            dues_rules.fen_text(r.due_fen) if r.standard else "",
            _("yes") if r.paid_this_month else _("declared") if r.declared_this_month else _("no"),
            r.months_overdue, dues_rules.fen_text(r.arrears_fen), " ".join(f"{m:%Y-%m}" for m in r.overdue),
        ])  # fmt: skip
    return response


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


@login_required
def dues_chart(request: HttpRequest, organisation_id: int, year: int) -> HttpResponse:
    if not 2000 <= year <= 2100:
        raise NotFound()
    actor = actor_for(request.user)
    chart = selectors.dues_year_chart(actor=actor, organisation_id=organisation_id, year=year)
    labels = [str(m.month) for m in chart.months]
    svg = charts.dues_year_svg(
        due=chart.due, paid=chart.paid, labels=labels,
        title=_("Dues %(year)s: due and paid per month") % {"year": year}, legend=(_("Due"), _("Paid")),
    )  # fmt: skip
    rows = [{"month": m, "due": d, "paid": p} for m, d, p in zip(chart.months, chart.due, chart.paid, strict=True)]
    return render(request, "branch/dues_chart.html", {**vars(chart), "svg": svg, "rows": rows,
                                                      "total_due": sum(chart.due),
                                                      "total_paid": sum(chart.paid)})  # fmt: skip


# --- Notices ---------------------------------------------------------------------------------------


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    publishes = bool(organisations_where(actor, Action.POST_ANNOUNCEMENT))
    return render(
        request,
        "branch/notices.html",
        {
            "receipts": selectors.notices_for(actor=actor),
            "published": selectors.notices_published_for(actor=actor) if publishes else [],
            "publishes": publishes,
        },
    )


@login_required
def notice_new(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    paths = organisations_where(actor, Action.POST_ANNOUNCEMENT)
    orgs = list(Organisation.objects.filter(path__in=paths).order_by("path")) if paths else []
    if not orgs:
        raise NotFound()
    if request.method == "POST":
        created: list[Any] = []

        def publish() -> None:
            created.append(services.notice_publish(
                by=actor, organisation_id=_int(request.POST.get("organisation"), 0) or 0,
                title=request.POST.get("title", ""), body=request.POST.get("body", ""),
                requires_confirmation=request.POST.get("requires_confirmation") == "on",
                member_ids=[i for i in map(id_or_none, request.POST.getlist("members")) if i] or None,
                uploads=[(f.name or "file", f) for f in request.FILES.getlist("files")],
            ))  # fmt: skip

        if _attempt(request, publish, _("The notice is published.")):
            return redirect("branch:notice_receipts", created[0].pk)
    members = (
        Member.objects.filter(subtree_q(paths))
        .select_related("organisation")
        .order_by("organisation__path", "real_name")[:MAX_NAMED]
    )
    return render(request, "branch/notice_new.html", {"organisations": orgs, "members": members, "form": request.POST})


@login_required
def notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Opening a notice marks it read (for its recipients); confirming is a button."""
    actor = actor_for(request.user)
    if request.method == "POST":
        _attempt(request, lambda: services.notice_confirm(by=actor, notice_id=notice_id), _("Confirmed: read."))
        return redirect("branch:notice", notice_id)
    receipt = services.notice_read(by=actor, notice_id=notice_id)
    item = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    manages = item.publisher_id == actor.member_id or can(actor, Action.POST_ANNOUNCEMENT, item.organisation)
    return render(
        request,
        "branch/notice.html",
        {"notice": item, "receipt": receipt, "files": item.files.order_by("pk"), "manages": manages},
    )


@login_required
def notice_item(request: HttpRequest, notice_id: int) -> HttpResponse:
    """One list item, as the lists draw it: what the page inserts when a notice arrives live."""
    actor = actor_for(request.user)
    item = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    receipt = selectors.notice_receipt(actor=actor, notice=item)
    if receipt is None:
        raise NotFound()
    return render(request, "branch/_notice_item.html", {"r": receipt})


@login_required
def notice_receipts(request: HttpRequest, notice_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    if request.method == "POST":
        reminded: list[int] = []
        if _attempt(request, lambda: reminded.append(services.notice_remind(by=actor, notice_id=notice_id)),
                    _("Reminder sent.")):  # fmt: skip
            messages.info(request, _("%(n)s members reminded.") % {"n": reminded[0]})
        return redirect("branch:notice_receipts", notice_id)
    # The head is read before the counts: an event after it is replayed on subscribing.
    seq = stream_head(stream=selectors.notice_manage_for(actor=actor, notice_id=notice_id).stream)
    item, groups = selectors.notice_receipts_by_organisation(actor=actor, notice_id=notice_id)
    return render(
        request,
        "branch/notice_receipts.html",
        {"notice": item, "groups": groups, "seq": seq, "totals": selectors.receipt_counts(item)},
    )


@login_required
def notice_receipt_row(request: HttpRequest, notice_id: int, member_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    item = selectors.notice_manage_for(actor=actor, notice_id=notice_id)
    receipt = item.receipts.select_related("member").filter(member_id=member_id).first()
    if receipt is None:
        raise NotFound()
    return render(request, "branch/_receipt_row.html", {"r": receipt, "notice": item})


@login_required
def notice_receipts_csv(request: HttpRequest, notice_id: int) -> HttpResponse:
    item, groups = selectors.notice_receipts_by_organisation(actor=actor_for(request.user), notice_id=notice_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="notice-{item.pk}-receipts.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Organisation"), _("Member"), _("Read at"), _("Confirmed at")])
    local = timezone.localtime
    for g in groups:
        for r in g.receipts:
            writer.writerow([
                _csv_safe(g.organisation.name), _csv_safe(r.member.real_name),
                f"{local(r.read_at):%Y-%m-%d %H:%M}" if r.read_at else "",
                f"{local(r.confirmed_at):%Y-%m-%d %H:%M}" if r.confirmed_at else "",
            ])  # fmt: skip
    return response


@login_required
def notice_file(request: HttpRequest, notice_id: int, file_id: int) -> HttpResponseBase:
    item = selectors.notice_file_for(actor=actor_for(request.user), notice_id=notice_id, file_id=file_id)
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    for header, value in files.download_headers(item.filename, inline=item.content_type.startswith("image/")).items():
        response[header] = value
    response["Cache-Control"] = "private, no-store"
    return response


# --- Appraisal ---------------------------------------------------------------------------------------


@login_required
def appraisals(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    paths = organisations_where(actor, Action.RUN_APPRAISAL)
    orgs = list(Organisation.objects.filter(path__in=paths).order_by("path")) if paths else []
    if request.method == "POST" and orgs:
        created: list[Any] = []
        starts, ends = _date(request.POST.get("rating_starts")), _date(request.POST.get("rating_ends"))
        tz = timezone.get_current_timezone()

        def open_() -> None:
            if starts is None or ends is None:
                raise Invalid(_("Choose the first and last day of the rating period."))
            created.append(services.appraisal_open(
                by=actor, organisation_id=_int(request.POST.get("organisation"), 0) or 0,
                year=_int(request.POST.get("year"), 0) or 0,
                rating_starts=dt.datetime.combine(starts, dt.time(), tzinfo=tz),
                rating_ends=dt.datetime.combine(ends + dt.timedelta(days=1), dt.time(), tzinfo=tz),
                meeting_id=_int(request.POST.get("meeting")),
            ))  # fmt: skip

        if _attempt(request, open_, _("The appraisal is open.")):
            return redirect("branch:appraisal", created[0].pk)
    return render(
        request,
        "branch/appraisals.html",
        {"appraisals": selectors.appraisals_for(actor=actor), "organisations": orgs,
         "year": timezone.localdate().year, "today": timezone.localdate()},
    )  # fmt: skip


@login_required
def appraisal(request: HttpRequest, appraisal_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    item = selectors.appraisal_get_for(actor=actor, appraisal_id=appraisal_id)
    if request.method == "POST":
        _appraisal_post(request, item.pk)
        return redirect("branch:appraisal", item.pk)
    now = timezone.now()
    runs = selectors.runs_appraisal(actor, item)
    above = not runs and can(actor, Action.RUN_APPRAISAL, item.organisation)
    participants = selectors.participants(item)
    mine = next((p for p in participants if p.member_id == actor.member_id), None)
    tallies = selectors.tallies_for(actor=actor, appraisal=item) if runs and now >= item.rating_ends else {}
    for p in participants:
        counts = tallies.get(p.member_id, {})
        p.counts = [(label, counts.get(value, 0)) for value, label in Grade.choices]  # type: ignore[attr-defined]
    return render(
        request,
        "branch/appraisal.html",
        {
            "appraisal": item,
            "phase": item.phase(now),
            "runs": runs,
            "above": above,
            "mine": mine,
            "peers": [p for p in participants if p.member_id != actor.member_id],
            "participants": participants,
            "has_rated": selectors.has_rated(appraisal=item, member_id=actor.member_id),
            "raters": selectors.raters_count(item) if runs else None,
            "grades": Grade.choices,
            "summary": selectors.appraisal_summary(item),
            "show_tallies": bool(tallies),
        },
    )


def _appraisal_post(request: HttpRequest, appraisal_id: int) -> None:
    actor = actor_for(request.user)
    action = request.POST.get("action")
    if action == "self":
        _attempt(request, lambda: services.self_assessment_save(by=actor, appraisal_id=appraisal_id,
                                                                text=request.POST.get("text", "")),
                 _("Your self-assessment is saved."))  # fmt: skip
    elif action == "rate":
        ratings = [
            (member_id, str(value))
            for key, value in request.POST.items()
            if key.startswith("grade-") and value and (member_id := id_or_none(key.removeprefix("grade-")))
        ]
        _attempt(request, lambda: services.ratings_cast(by=actor, appraisal_id=appraisal_id, ratings=ratings),
                 _("Your ratings are in. Nobody can see which grade you gave."))  # fmt: skip
    elif action == "conclude":
        _attempt(request, lambda: services.conclusion_record(
            by=actor, appraisal_id=appraisal_id, member_id=_int(request.POST.get("member"), 0) or 0,
            grade=request.POST.get("grade", ""), reasons=request.POST.get("reasons", "")),
            _("The conclusion is recorded."))  # fmt: skip
    elif action == "announce":
        _attempt(request, lambda: services.appraisal_announce(by=actor, appraisal_id=appraisal_id),
                 _("The results are announced."))  # fmt: skip


# --- The online party school: courses and study progress ----------------------------------------


@login_required
def courses_page(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    teach = courses.may_teach(actor)
    if request.method == "POST" and teach:
        created: list[Any] = []

        def create() -> None:
            created.append(courses.course_create(
                by=actor, organisation_id=_int(request.POST.get("organisation"), 0) or 0,
                title=request.POST.get("title", ""), description=request.POST.get("description", ""),
            ))  # fmt: skip

        if _attempt(request, create, _("The course is in the catalogue.")):
            return redirect("branch:course", created[0].pk)
    year = timezone.localdate().year
    return render(
        request,
        "branch/courses.html",
        {"rows": courses.courses_for(actor=actor), "teach": teach,
         "progress": courses.my_progress(actor=actor, year=year),
         "progress_orgs": _organisations_where(actor, Action.HOST_MEETING)},
    )  # fmt: skip


@login_required
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    item = courses.course_get_for(actor=actor, course_id=course_id)
    teaches = can(actor, Action.TEACH, item.organisation)
    if request.method == "POST" and teaches:
        if request.POST.get("action") == "lesson":
            _attempt(request, lambda: courses.course_add_lesson(
                by=actor, course_id=item.pk, meeting_id=_int(request.POST.get("meeting"), 0) or 0),
                _("The lesson is added."))  # fmt: skip
        else:
            upload = request.FILES.get("file")
            _attempt(request, lambda: courses.course_add_document(
                by=actor, course_id=item.pk, title=request.POST.get("title", ""),
                name=(upload.name or "") if upload else "", stream=upload or io.BytesIO()),
                _("The document is added."))  # fmt: skip
        return redirect("branch:course", item.pk)
    lessons = (
        Meeting.objects.filter(kind=MeetingKind.LESSON, organisation__path__startswith=item.organisation.path).order_by(
            "-starts_at"
        )[:50]
        if teaches
        else []
    )
    return render(
        request,
        "branch/course.html",
        {"course": item, "progress": courses.course_progress(actor=actor, course=item), "teaches": teaches,
         "lessons": lessons},
    )  # fmt: skip


@login_required
def course_document(request: HttpRequest, course_id: int, item_id: int) -> HttpResponseBase:
    """Opening a course's PDF counts it as followed, then serves it."""
    item = courses.course_document_read(by=actor_for(request.user), course_id=course_id, item_id=item_id)
    response = FileResponse(item.file.open("rb"), content_type="application/pdf")
    for header, value in files.download_headers(item.filename, inline=True).items():
        response[header] = value
    response["Content-Disposition"] = files.content_disposition(item.filename, inline=True)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def study_progress(request: HttpRequest, organisation_id: int) -> HttpResponse:
    actor = actor_for(request.user)
    year = _year(request)
    if request.method == "POST":
        _attempt(request, lambda: courses.requirement_set(
            by=actor, organisation_id=organisation_id, year=year, status=request.POST.get("status", ""),
            hours_required=_int(request.POST.get("hours"), -1) or 0),
            _("The required hours are set."))  # fmt: skip
        return redirect(f"{request.path}?year={year}")
    report = courses.organisation_progress(actor=actor, organisation_id=organisation_id, year=year)
    return render(request, "branch/study_progress.html", {**dict(report), "statuses": MemberStatus.choices})
