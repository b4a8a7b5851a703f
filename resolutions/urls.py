"""URLs of the signed resolution, its annex, the result notices and the public verification page."""

from django.urls import path

from resolutions import views

urlpatterns = [
    path("proposals/<int:pk>/resolution/", views.resolution_page, name="resolution"),
    path("proposals/<int:pk>/resolution.pdf", views.resolution_document, name="resolution_pdf"),
    path("proposals/<int:pk>/resolution/sign/", views.resolution_sign, name="resolution_sign"),
    path("proposals/<int:pk>/resolution/annex.pdf", views.resolution_annex, name="resolution_annex"),
    path("proposals/<int:pk>/notices/", views.notice_publish, name="notice_publish"),
    path("proposals/<int:pk>/notices/<int:notice_id>.pdf", views.notice_document, name="notice_pdf"),
    # Public: the printed QR code opens it. No trailing slash, as printed.
    path("verify/<str:fingerprint>", views.verify, name="resolution_verify"),
]
