from django.contrib import admin
from django.urls import include, path

from web.api import api
from web.forms import AdminLoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("moderation/", include("moderation.urls")),
    path("forum/", include("forum.urls")),
    path("mailbox/", include("mailboxes.urls")),
    path("meetings/", include("meetings.urls")),
    path("meetings/", include("lessons.urls")),
    path("membership/", include("membership.urls")),
    path("branch/", include("branch.urls")),
    path("", include("web.page_urls")),
]

handler400 = "web.views.bad_request"
handler404 = "web.views.not_found"
handler500 = "web.views.server_error"
