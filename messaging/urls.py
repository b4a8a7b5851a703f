from django.urls import path

from messaging import views

urlpatterns = [
    path("s/<str:code>", views.short_link, name="short_link"),
    path("proposals/<int:pk>/sms/", views.compose, {"of": "proposal"}, name="sms_compose"),
    path("proposals/<int:pk>/sms/preview/", views.preview, {"of": "proposal"}, name="sms_preview"),
    path("proposals/<int:pk>/sms/send/", views.send, {"of": "proposal"}, name="sms_send"),
    path("meetings/<int:pk>/sms/", views.compose, {"of": "meeting"}, name="sms_compose_meeting"),
    path("meetings/<int:pk>/sms/preview/", views.preview, {"of": "meeting"}, name="sms_preview_meeting"),
    path("meetings/<int:pk>/sms/send/", views.send, {"of": "meeting"}, name="sms_send_meeting"),
    path("sms/batches/<int:pk>/", views.batch_detail, name="sms_batch"),
    path("c/<slug:slug>/sms/", views.community_batches, name="sms_batches"),
    path("c/<slug:slug>/sms/settings/", views.policy, name="sms_policy"),
    path("c/<slug:slug>/households/<int:pk>/sms/", views.household_opt_out, name="sms_household"),
]
