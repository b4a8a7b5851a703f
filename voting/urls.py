from django.urls import path

from voting.views import household, register

urlpatterns = [
    # What a household sees and does, on a phone.
    path("proposals/<int:pk>/", household.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/vote/", household.vote, name="vote"),
    path("proposals/<int:pk>/vote/confirm/", household.vote_confirm, name="vote_confirm"),
    path("proposals/<int:pk>/receipt/", household.receipt_check, name="receipt_check"),
    path("proposals/<int:pk>/tally.json", household.tally, name="tally_json"),
    path("proposals/<int:pk>/screen/", household.big_screen, name="big_screen"),
    # The committee's register and the secretary's paper and proxy entry.
    path("proposals/<int:pk>/register/", register.register, name="register"),
    path("proposals/<int:pk>/paper/", register.paper_entry, name="paper_entry"),
    path("proposals/<int:pk>/paper/undo/", register.paper_undo, name="paper_undo"),
    path("proposals/<int:pk>/paper/import/", register.paper_import, name="paper_import"),
    path("proposals/<int:pk>/ballots/<int:ballot_id>/evidence/", register.evidence_file, name="ballot_evidence"),
]
