"""URLs of the signed resolution (a proposal's or an owners' meeting's), its annex, the result notices and the public
verification page."""

from django.urls import path

from resolutions import views

urlpatterns = [
    path("proposals/<int:pk>/resolution/", views.resolution_page, name="resolution"),
    path("proposals/<int:pk>/resolution.pdf", views.resolution_document, name="resolution_pdf"),
    path("proposals/<int:pk>/resolution/sign/", views.resolution_sign, name="resolution_sign"),
    path("proposals/<int:pk>/resolution/annex.pdf", views.resolution_annex, name="resolution_annex"),
    path("proposals/<int:pk>/notices/", views.notice_publish, name="notice_publish"),
    path("proposals/<int:pk>/notices/<int:notice_id>.pdf", views.notice_document, name="notice_pdf"),
    path("meetings/<int:pk>/resolution/", views.meeting_resolution_page, name="meeting_resolution"),
    path("meetings/<int:pk>/resolution.pdf", views.meeting_resolution_document, name="meeting_resolution_pdf"),
    path("meetings/<int:pk>/resolution.json", views.meeting_resolution_text, name="meeting_resolution_text"),
    path("meetings/<int:pk>/resolution/sign/", views.meeting_resolution_sign, name="meeting_resolution_sign"),
    path("meetings/<int:pk>/notices/", views.meeting_notice_publish, name="meeting_notice_publish"),
    path("meetings/<int:pk>/notices/<int:notice_id>.pdf", views.meeting_notice_document, name="meeting_notice_pdf"),
    # Public: a reader pastes a fingerprint or a resolution's text.
    path("verify/", views.verify_lookup, name="resolution_verify_lookup"),
    # Public: the printed QR code opens it. No trailing slash, as printed.
    path("verify/<str:fingerprint>", views.verify, name="resolution_verify"),
]
