from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

from kernel.ids import IdConverter


class WebConfig(AppConfig):
    name = "web"
    verbose_name = _("Web")

    def ready(self) -> None:
        # Before any URLconf is loaded: every app's urls.py writes its ids as <id:…>.
        register_converter(IdConverter, "id")
