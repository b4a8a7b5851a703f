from django.urls import path

from lifecycle import views

urlpatterns = [
    path("proposals/<int:pk>/move/", views.proposal_move, name="proposal_move"),
    path("proposals/<int:pk>/open/", views.proposal_open_confirm, name="proposal_open_confirm"),
    path("proposals/<int:pk>/close/", views.proposal_close_confirm, name="proposal_close_confirm"),
]
