from django.urls import path

from forum import views

app_name = "forum"

urlpatterns = [
    path("", views.board_list, name="boards"),
    path("b/<id:board_id>/", views.board, name="board"),
    path("b/<id:board_id>/new/", views.thread_compose, name="compose"),
    path("t/<id:thread_id>/", views.thread, name="thread"),
    path("t/<id:thread_id>/reply/", views.post_reply, name="reply"),
    path("t/<id:thread_id>/manage/", views.thread_manage, name="manage"),
    path("t/<id:thread_id>/mentions/", views.mention_candidates, name="mention_candidates"),
    path("p/<id:post_id>/", views.post_fragment, name="post_fragment"),
    path("p/<id:post_id>/edit/", views.post_edit, name="edit"),
    path("p/<id:post_id>/history/", views.post_history, name="history"),
    path("p/<id:post_id>/delete/", views.post_delete, name="delete"),
    path("p/<id:post_id>/react/", views.post_react, name="react"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("files/<id:attachment_id>/", views.attachment, name="attachment"),
]
