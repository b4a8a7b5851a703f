from django.urls import path

from reports import views_departments, views_ledger, views_resident, views_triage

urlpatterns = []

# --- triage: the community's handlers (reports/views_triage.py) ---------------------------------------------------
urlpatterns += [
    path("c/<slug:slug>/reports/", views_triage.queue, name="triage_queue"),
    path("reports/<int:pk>/manage/", views_triage.manage, name="report_manage"),
    path("reports/<int:pk>/manage/merge/", views_triage.merge, name="report_manage_merge"),
    path("reports/<int:pk>/manage/assign/", views_triage.assign, name="report_manage_assign"),
    path("reports/<int:pk>/manage/done/", views_triage.done, name="report_manage_done"),
    path("reports/<int:pk>/manage/proposal/", views_triage.to_proposal, name="report_manage_proposal"),
    path("reports/<int:pk>/manage/whistle/", views_triage.whistle, name="report_manage_whistle"),
    path("reports/<int:pk>/manage/meeting/", views_triage.meeting, name="report_manage_meeting"),
]

# --- departments and district ---------------------------------------------------------------------------------
urlpatterns += [
    path("departments/", views_departments.department_inbox_mine, name="department_inbox"),
    path("d/<slug:slug>/", views_departments.district_page, name="district_page"),
    path("d/<slug:slug>/departments/<int:pk>/", views_departments.department_inbox_one, name="department_inbox_one"),
    path("summons/<int:pk>/acknowledge/", views_departments.summons_acknowledge_view, name="summons_acknowledge"),
    path("summons/<int:pk>/act/", views_departments.summons_act_view, name="summons_act"),
    path("summons/<int:pk>/complete/", views_departments.summons_complete_view, name="summons_complete"),
    path("summons/<int:pk>/photos/<int:photo_id>/", views_departments.summons_photo, name="summons_photo"),
]

# --- the resident's pages (reports/views_resident.py) --------------------------------------------------------------
urlpatterns += [
    path("c/<slug:slug>/reports/new/", views_resident.report_new, name="report_new"),
    path("c/<slug:slug>/reports/mine/", views_resident.my_reports, name="my_reports"),
    path("reports/<int:pk>/", views_resident.report_detail, name="report_detail"),
    path("reports/<int:pk>/photos/<int:photo_id>/", views_resident.report_photo, name="report_photo"),
    path("reports/<int:pk>/confirm/", views_resident.report_confirm_view, name="report_confirm"),
]

# --- ledger ---
urlpatterns += [
    path("c/<slug:slug>/reports/ledger/", views_ledger.ledger, name="reports_ledger"),
    path("c/<slug:slug>/reports/ledger.xlsx", views_ledger.ledger_xlsx_download, name="reports_ledger_xlsx"),
]
# --- end ledger ---
