from django.urls import path

from pages.views import dashboard, home, proposals

urlpatterns = [
    path("", home.home, name="home"),
    path("c/<slug:slug>/proposals/", proposals.proposal_list, name="proposal_list"),
    path("c/<slug:slug>/dashboard/", dashboard.dashboard, name="community_dashboard"),
]
