from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue_page, name="queue"),
    path("queue/<id:item_id>/<str:verb>/", views.queue_act, name="queue_act"),
    path("flag/", views.flag_submit, name="flag"),
    path("actions/", views.action_log_page, name="actions"),
    path("wordlists/", views.word_lists_page, name="wordlists"),
    path("wordlists/<id:list_id>/", views.word_list_page, name="wordlist"),
    path("wordlists/<id:list_id>/export.csv", views.word_list_export, name="wordlist_export"),
]
