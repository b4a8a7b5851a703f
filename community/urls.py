from django.urls import path

from community.views import home

urlpatterns = [
    path("", home.home, name="home"),
]
