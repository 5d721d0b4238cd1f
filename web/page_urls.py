from django.contrib.auth import views as auth_views
from django.urls import path

from web import pwa, views
from web.forms import LoginForm

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", views.account, name="account"),
    path("people/<id:member_id>/", views.profile, name="profile"),
    path("organisations/<id:org_id>/", views.organisation, name="organisation"),
    path("search/", views.search, name="search"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
]
