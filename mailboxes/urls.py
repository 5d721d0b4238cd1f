from django.urls import path

from mailboxes import views

app_name = "mailbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("c/<id:conversation_id>/", views.conversation, name="conversation"),
    path("c/<id:conversation_id>/report/", views.report_message, name="report_message"),
    path("writings/", views.writings, name="writings"),
    path("writings/branch/", views.branch_writings, name="branch_writings"),
    path("writings/<id:writing_id>/", views.writing, name="writing"),
    path("writings/<id:writing_id>/print/", views.writing_print, name="writing_print"),
    path("tips/", views.tips, name="tips"),
    path("tips/new/", views.tip_new, name="tip_new"),
    path("tips/follow/", views.tip_follow, name="tip_follow"),
    path("tips/<str:public_id>/", views.tip, name="tip"),
    path("files/<id:file_id>/", views.file, name="file"),
]
