"""Monthly dues reminders for every branch (run from cron on the first of the month):
`python manage.py dues_reminders`. Members three or more months behind are reminded, secretaries
warned of those six or more behind; nothing else happens to anyone."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from branch import services
from members.access import SYSTEM
from members.models import Organisation, OrgKind


class Command(BaseCommand):
    help = "Remind members behind with their dues and warn secretaries (report only)."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = warned = 0
        for branch in Organisation.objects.filter(kind=OrgKind.BRANCH).order_by("path"):
            result = services.dues_reminders_send(by=SYSTEM, organisation_id=branch.pk)
            reminded += len(result["reminded"])
            warned += len(result["warned"])
        self.stdout.write(f"{reminded} members reminded, {warned} reported to their secretaries.")
