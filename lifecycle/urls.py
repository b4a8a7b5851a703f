from django.urls import path

from lifecycle import views

urlpatterns = [
    path("proposals/<int:pk>/move/", views.proposal_move, name="proposal_move"),
]
