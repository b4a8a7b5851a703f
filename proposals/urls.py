from django.urls import path

from proposals import views

urlpatterns = [
    path("c/<slug:slug>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/edit/", views.proposal_edit, name="proposal_edit"),
    path("proposals/<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("proposals/<int:pk>/attachments/<int:attachment_id>/", views.attachment_file, name="attachment_file"),
]
