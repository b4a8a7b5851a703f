from django.urls import path

from documents import contact_cards, ledger, notices, views

urlpatterns = [
    path("c/<slug:slug>/documents/slips.pdf", views.join_slips, name="document_slips"),
    path("proposals/<int:pk>/documents/walk-sheet.pdf", views.walk_sheet, name="document_walk_sheet"),
    path("proposals/<int:pk>/documents/payment-notices.pdf", notices.payment_notices, name="document_payment_notices"),
    path("proposals/<int:pk>/documents/register.pdf", views.register_pdf, name="document_register"),
    path("meetings/<int:pk>/documents/notice.pdf", views.meeting_notice_pdf, name="document_meeting_notice"),
    path("meetings/<int:pk>/documents/ballots.pdf", views.meeting_ballots, name="document_meeting_ballots"),
    # --- ledger ---
    path("c/<slug:slug>/reports/ledger-<int:year>.pdf", ledger.ledger_pdf, name="document_ledger"),
    # --- end ledger ---
    path("documents/jobs/<int:pk>/", views.job_detail, name="document_job"),
    path("documents/jobs/<int:pk>/progress.json", views.job_progress, name="document_job_progress"),
    path("documents/jobs/<int:pk>/download/", views.job_download, name="document_job_download"),
    # --- The party members' contact cards (党员联系牌), one page per entrance ---
    path("c/<slug:slug>/documents/contact-cards.pdf", contact_cards.contact_cards_pdf, name="document_contact_cards"),
    # --- end of contact cards ---
]
