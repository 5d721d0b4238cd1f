from typing import Any

from django.core.management.base import BaseCommand

from membership.services import reminders_send


class Command(BaseCommand):
    help = "Tell branch secretaries of pipeline steps that fell due; close expired letters of introduction. Run daily."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{reminders_send()} reminders sent.")
