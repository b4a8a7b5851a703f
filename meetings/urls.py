from django.urls import path

from meetings import ballot_views, paper_views, views

urlpatterns = [
    path("c/<slug:slug>/meetings/", views.meeting_list, name="meeting_list"),
    path("c/<slug:slug>/meetings/new/", views.meeting_new, name="meeting_new"),
    path("c/<slug:slug>/meetings/notice-period/", views.notice_settings, name="meeting_notice_settings"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/details/", views.meeting_change, name="meeting_change"),
    path("meetings/<int:pk>/matters/", views.matter_add, name="meeting_matter_add"),
    path("meetings/<int:pk>/elections/", views.election_add, name="meeting_election_add"),
    path("meetings/<int:pk>/items/<int:item_id>/move/", views.item_move, name="meeting_item_move"),
    path("meetings/<int:pk>/items/<int:item_id>/remove/", views.item_remove, name="meeting_item_remove"),
    path(
        "meetings/<int:pk>/elections/<int:election_id>/candidates/", views.candidate_add, name="meeting_candidate_add"
    ),
    path(
        "meetings/<int:pk>/candidates/<int:candidate_id>/remove/",
        views.candidate_remove,
        name="meeting_candidate_remove",
    ),
    path("meetings/<int:pk>/publish/", views.meeting_publish, name="meeting_publish"),
    path(
        "meetings/<int:pk>/candidates/<int:candidate_id>/photo/", views.candidate_photo, name="meeting_candidate_photo"
    ),
    path("meetings/<int:pk>/ballot/", ballot_views.meeting_ballot, name="meeting_ballot"),
    path("meetings/<int:pk>/ballot/confirm/", ballot_views.meeting_ballot_confirm, name="meeting_ballot_confirm"),
    path("meetings/<int:pk>/ballot/submit/", ballot_views.meeting_ballot_submit, name="meeting_ballot_submit"),
    # The secretary's paper ballots of a meeting (meetings.paper_views).
    path("meetings/<int:pk>/paper/", paper_views.paper_entry, name="meeting_paper_entry"),
    path("meetings/<int:pk>/paper/import/", paper_views.paper_import, name="meeting_paper_import"),
    path("meetings/<int:pk>/paper/template.xlsx", paper_views.paper_template, name="meeting_paper_template"),
]

# The live tally (meetings.live_views): its JSON and the hall's big screen.
from meetings import live_views  # noqa: E402  (kept with its routes, at the end)

urlpatterns += [
    path("meetings/<int:pk>/tally.json", live_views.meeting_tally, name="meeting_tally_json"),
    path("meetings/<int:pk>/screen/", live_views.meeting_screen, name="meeting_screen"),
]
