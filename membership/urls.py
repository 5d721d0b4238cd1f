from django.urls import path

from membership import views

app_name = "membership"

urlpatterns = [
    path("", views.me_page, name="me"),
    path("board/", views.board_index, name="board_index"),
    path("org/<id:org_id>/", views.board_page, name="board"),
    path("org/<id:org_id>/members/", views.members_page, name="members"),
    path("org/<id:org_id>/migrants/", views.migrants_page, name="migrants"),
    path("org/<id:org_id>/import/", views.import_page, name="import"),
    path("members/<id:member_id>/", views.record_page, name="record"),
    path("approvals/", views.approvals_page, name="approvals"),
    path("transfers/", views.transfers_page, name="transfers"),
    path("transfers/<id:transfer_id>/letter/", views.letter_page, name="letter"),
    path("letters/verify/", views.verify_page, name="verify"),
]
