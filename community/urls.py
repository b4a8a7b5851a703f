from django.urls import path

from community.views import households, importing, join, representatives, roster, volunteers

urlpatterns = [
    # Joining a household with the code on a printed slip (QR code opens join/<code>/).
    path("join/", join.join_enter, name="join"),
    path("join/complete/", join.join_complete, name="join_complete"),
    path("join/<str:code>/", join.join_with_code, name="join_with_code"),
    # Committee pages of one community.
    path("c/<slug:slug>/", roster.community_overview, name="community_overview"),
    path("c/<slug:slug>/households/", roster.household_list, name="household_list"),
    path("c/<slug:slug>/households/<int:pk>/", households.household_detail, name="household_detail"),
    path("c/<slug:slug>/households/<int:pk>/codes/", households.join_code_issue, name="join_code_issue"),
    path(
        "c/<slug:slug>/households/<int:pk>/codes/<int:code_id>/revoke/",
        households.join_code_revoke,
        name="join_code_revoke",
    ),
    path(
        "c/<slug:slug>/households/<int:pk>/bindings/<int:binding_id>/remove/",
        households.binding_remove,
        name="binding_remove",
    ),
    path(
        "c/<slug:slug>/households/<int:pk>/bindings/<int:binding_id>/relation/",
        households.binding_relation,
        name="binding_relation",
    ),
    path("c/<slug:slug>/developer-voter/", roster.developer_voter, name="developer_voter"),
    path("c/<slug:slug>/representatives/", representatives.representative_list, name="representative_list"),
    path("c/<slug:slug>/representatives/add/", representatives.representative_add, name="representative_add"),
    path(
        "c/<slug:slug>/representatives/<int:pk>/remove/",
        representatives.representative_remove,
        name="representative_remove",
    ),
    path("c/<slug:slug>/import/", importing.roster_upload, name="roster_import"),
    path("c/<slug:slug>/import/<int:upload_id>/", importing.roster_preview, name="roster_import_preview"),
    # --- Party members and volunteers (党员回居住地社区报到) and an entrance's contacts ---------------------------
    path("c/<slug:slug>/volunteers/", volunteers.volunteer_list, name="volunteer_list"),
    path("c/<slug:slug>/volunteers/join/", volunteers.volunteer_join, name="volunteer_join"),
    path("c/<slug:slug>/volunteers/<int:pk>/", volunteers.volunteer_edit, name="volunteer_edit"),
    path("c/<slug:slug>/volunteers/<int:pk>/consent/", volunteers.volunteer_consent, name="volunteer_consent"),
    path("c/<slug:slug>/volunteers/<int:pk>/withdraw/", volunteers.volunteer_withdraw_view, name="volunteer_withdraw"),
    path("c/<slug:slug>/volunteers/<int:pk>/photo/", volunteers.volunteer_photo, name="volunteer_photo"),
    path("c/<slug:slug>/entrances/<int:pk>/contacts/", volunteers.entrance_contacts_page, name="entrance_contacts"),
    # --- end of volunteers ---
]
