from django.urls import path

from reports import views_resident

urlpatterns = [
    # --- The resident's pages (wt-resident) ---
    path("c/<slug:slug>/reports/new/", views_resident.report_new, name="report_new"),
    path("c/<slug:slug>/reports/mine/", views_resident.my_reports, name="my_reports"),
    path("reports/<int:pk>/", views_resident.report_detail, name="report_detail"),
    path("reports/<int:pk>/photos/<int:photo_id>/", views_resident.report_photo, name="report_photo"),
    path("reports/<int:pk>/confirm/", views_resident.report_confirm_view, name="report_confirm"),
    # --- end of the resident's pages ---
]
