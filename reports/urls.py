from django.urls import path

from reports import views_ledger

urlpatterns = []

# --- ledger ---
urlpatterns += [
    path("c/<slug:slug>/reports/ledger/", views_ledger.ledger, name="reports_ledger"),
    path("c/<slug:slug>/reports/ledger.xlsx", views_ledger.ledger_xlsx_download, name="reports_ledger_xlsx"),
]
# --- end ledger ---
