from django.urls import path

from forum import views

app_name = "forum"

urlpatterns = [
    path("", views.board_list, name="boards"),
    path("b/<int:board_id>/", views.board, name="board"),
    path("b/<int:board_id>/new/", views.thread_compose, name="compose"),
    path("t/<int:thread_id>/", views.thread, name="thread"),
    path("t/<int:thread_id>/reply/", views.post_reply, name="reply"),
    path("t/<int:thread_id>/manage/", views.thread_manage, name="manage"),
    path("t/<int:thread_id>/mentions/", views.mention_candidates, name="mention_candidates"),
    path("p/<int:post_id>/", views.post_fragment, name="post_fragment"),
    path("p/<int:post_id>/edit/", views.post_edit, name="edit"),
    path("p/<int:post_id>/history/", views.post_history, name="history"),
    path("p/<int:post_id>/delete/", views.post_delete, name="delete"),
    path("p/<int:post_id>/react/", views.post_react, name="react"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("files/<int:attachment_id>/", views.attachment, name="attachment"),
]
