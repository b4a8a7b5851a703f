from django.urls import path

from messaging import views

urlpatterns = [
    path("s/<str:code>", views.short_link, name="short_link"),
]
