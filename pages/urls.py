from django.urls import path

from pages.views import home, proposals

urlpatterns = [
    path("", home.home, name="home"),
    path("c/<slug:slug>/proposals/", proposals.proposal_list, name="proposal_list"),
]
