from django.urls import path

from branch import views

app_name = "branch"

urlpatterns = [
    path("", views.index, name="index"),
    path("dues/", views.my_dues, name="my_dues"),
    path("dues/<id:organisation_id>/", views.branch_dues, name="branch_dues"),
    path("dues/<id:organisation_id>/export.csv", views.branch_dues_csv, name="branch_dues_csv"),
    path("dues/<id:organisation_id>/chart/<id:year>/", views.dues_chart, name="dues_chart"),
    path("dues/members/<id:member_id>/", views.member_dues, name="member_dues"),
    path("notices/", views.notices, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<id:notice_id>/", views.notice, name="notice"),
    path("notices/<id:notice_id>/item/", views.notice_item, name="notice_item"),
    path("notices/<id:notice_id>/receipts/", views.notice_receipts, name="notice_receipts"),
    path("notices/<id:notice_id>/receipts/<id:member_id>/", views.notice_receipt_row, name="notice_receipt_row"),
    path("notices/<id:notice_id>/export.csv", views.notice_receipts_csv, name="notice_receipts_csv"),
    path("notices/<id:notice_id>/files/<id:file_id>/", views.notice_file, name="notice_file"),
    path("courses/", views.courses_page, name="courses"),
    path("courses/<id:course_id>/", views.course, name="course"),
    path("courses/<id:course_id>/items/<id:item_id>/", views.course_document, name="course_document"),
    path("study/<id:organisation_id>/", views.study_progress, name="study_progress"),
    path("appraisals/", views.appraisals, name="appraisals"),
    path("appraisals/<id:appraisal_id>/", views.appraisal, name="appraisal"),
]
