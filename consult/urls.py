from django.urls import path

from consult.views import canvass, consultation, tasks

urlpatterns = [
    # Canvassing: assignments, the phone walk list, visits (also sent later from an offline phone), the board.
    path("my/visits/", tasks.my_visits, name="my_visits"),
    path("proposals/<int:pk>/canvass/assign/", canvass.assignments, name="canvass_assignments"),
    path("proposals/<int:pk>/canvass/tags/", canvass.tags, name="canvass_tags"),
    path("proposals/<int:pk>/canvass/", canvass.walk_list, name="walk_list"),
    path("proposals/<int:pk>/canvass/visits/", canvass.visit_record, name="visit_record"),
    path("proposals/<int:pk>/canvass/board/", canvass.board, name="canvass_board"),
    path("proposals/<int:pk>/canvass/board.json", canvass.board_json, name="canvass_board_json"),
    path("proposals/<int:pk>/canvass/demands/", canvass.demands, name="demands_summary"),
    path("proposals/<int:pk>/canvass/outcome/", canvass.canvass_outcome, name="canvass_outcome"),
    # Consultation: residents' opinions and negotiation meetings.
    path("proposals/<int:pk>/opinions/", consultation.opinions, name="opinions"),
    path("proposals/<int:pk>/opinions/<int:opinion_id>/hide/", consultation.opinion_hide, name="opinion_hide"),
    path("proposals/<int:pk>/opinions/<int:opinion_id>/reply/", consultation.opinion_reply, name="opinion_reply"),
    path("proposals/<int:pk>/opinions/<int:opinion_id>/photo/", consultation.opinion_photo, name="opinion_photo"),
    path("proposals/<int:pk>/meetings/", consultation.meetings, name="meetings"),
    path("proposals/<int:pk>/meetings/new/", consultation.meeting_new, name="meeting_new"),
    path("proposals/<int:pk>/meetings/<int:meeting_id>/", consultation.meeting_detail, name="meeting_detail"),
]
