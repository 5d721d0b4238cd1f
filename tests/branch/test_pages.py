"""The branch's pages: each renders for who may see it, forms store through the services,
refused input is shown on the page and stores nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from branch import services
from branch.dues_rules import month_start
from branch.models import DuesPayment, NoticeReceipt, PaymentStatus, RatingCast

THIS = month_start(timezone.localdate())


def _standard(branch, as_actor, member):  # type: ignore[no-untyped-def]
    services.dues_standard_set(by=as_actor(branch.secretary), member_id=member.pk, category="employed",
                               income_fen=4_000_00, effective_from=THIS)  # fmt: skip


def test_member_declares_and_the_secretary_confirms_on_the_pages(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    member = branch.members[0]
    _standard(branch, as_actor, member)
    mine = client_for(member)
    page = mine.get("/branch/dues/").content.decode()
    assert "40.00" in page and 'type="module"' in page and "<script>" not in page
    form = {"first_month": f"{THIS:%Y-%m}", "months": "2", "amount": "79.99", "method": "cash",
            "paid_on": timezone.localdate().isoformat()}  # fmt: skip
    page = mine.post("/branch/dues/", form, follow=True).content.decode()
    assert "80.00" in page and not DuesPayment.objects.exists()  # the message names the right sum
    mine.post("/branch/dues/", {**form, "amount": "80"})
    payment = DuesPayment.objects.get()
    secretary = client_for(branch.secretary)
    page = secretary.get(f"/branch/dues/{branch.tree.branch_a.pk}/").content.decode()
    assert member.real_name in page and f'data-payment="{payment.pk}"' in page
    secretary.post(f"/branch/dues/{branch.tree.branch_a.pk}/", {"action": "confirm", "payment": payment.pk})
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CONFIRMED
    csv = secretary.get(f"/branch/dues/{branch.tree.branch_a.pk}/export.csv").content.decode("utf-8-sig")
    assert member.real_name in csv.splitlines()[1] or member.real_name in csv
    chart = secretary.get(f"/branch/dues/{branch.tree.branch_a.pk}/chart/{THIS.year}/").content.decode()
    assert "<svg" in chart and 'role="img"' in chart
    assert client_for(branch.members[1]).get(f"/branch/dues/{branch.tree.branch_a.pk}/").status_code == 403
    assert client_for(branch.members[1]).get(f"/branch/dues/members/{member.pk}/").status_code == 403


def test_notice_pages_publish_open_confirm_and_follow(branch, client_for, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)
    secretary = client_for(branch.secretary)
    r = secretary.post("/branch/notices/new/", {"organisation": branch.tree.branch_a.pk, "title": "关于交纳党费的通知",
                                                "body": "请于月底前交纳。", "requires_confirmation": "on"})  # fmt: skip
    receipts_url = r["Location"]
    notice_id = int(receipts_url.strip("/").split("/")[-2])
    reader = client_for(branch.members[0])
    home = reader.get("/").content.decode()
    assert "关于交纳党费的通知" in home and 'id="notice-list"' in home
    assert NoticeReceipt.objects.get(notice_id=notice_id, member=branch.members[0]).read_at is None
    page = reader.get(f"/branch/notices/{notice_id}/").content.decode()
    assert 'id="confirm-button"' in page
    assert NoticeReceipt.objects.get(notice_id=notice_id, member=branch.members[0]).read_at is not None
    reader.post(f"/branch/notices/{notice_id}/")
    assert NoticeReceipt.objects.get(notice_id=notice_id, member=branch.members[0]).confirmed_at is not None
    page = secretary.get(receipts_url).content.decode()
    assert 'data-count="confirmed">1<' in page and branch.members[0].real_name in page
    assert reader.get(receipts_url).status_code == 403
    assert client_for(branch.outsider).get(f"/branch/notices/{notice_id}/").status_code == 404
    item = reader.get(f"/branch/notices/{notice_id}/item/").content.decode()
    assert item.strip().startswith("<li") and "关于交纳党费的通知" in item
    csv = secretary.get(f"/branch/notices/{notice_id}/export.csv").content.decode("utf-8-sig")
    assert branch.members[0].real_name in csv


def test_appraisal_page_rates_once(branch, as_actor, client_for) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    appraisal = services.appraisal_open(by=as_actor(branch.secretary), organisation_id=branch.tree.branch_a.pk,
                                        year=now.year, rating_starts=now - dt.timedelta(hours=1),
                                        rating_ends=now + dt.timedelta(days=1))  # fmt: skip
    a, b, _c = branch.members
    client = client_for(a)
    page = client.get(f"/branch/appraisals/{appraisal.pk}/").content.decode()
    assert 'id="rating-form"' in page and f'name="grade-{b.pk}"' in page and f'name="grade-{a.pk}"' not in page
    client.post(f"/branch/appraisals/{appraisal.pk}/", {"action": "rate", f"grade-{b.pk}": "excellent"})
    assert RatingCast.objects.filter(rater=a).exists()
    page = client.post(f"/branch/appraisals/{appraisal.pk}/", {"action": "rate", f"grade-{b.pk}": "basic"},
                       follow=True).content.decode()  # fmt: skip
    assert 'id="rated"' in page and RatingCast.objects.count() == 1
    secretary_page = client_for(branch.secretary).get(f"/branch/appraisals/{appraisal.pk}/").content.decode()
    assert 'id="run"' in secretary_page


def test_a_notice_to_named_members_from_the_form(branch, client_for) -> None:  # type: ignore[no-untyped-def]
    secretary = client_for(branch.secretary)
    assert branch.members[1].real_name in secretary.get("/branch/notices/new/").content.decode()
    form = {"organisation": branch.tree.branch_a.pk, "title": "个别谈话安排", "body": "请于周三到支部办公室。"}
    secretary.post("/branch/notices/new/", {**form, "members": [branch.members[1].pk]})
    assert list(NoticeReceipt.objects.values_list("member_id", flat=True)) == [branch.members[1].pk]
