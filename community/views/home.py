"""The landing page: "my households" and my communities once logged in."""

from django.shortcuts import render

from community.selectors import communities_for


def home(request):
    return render(request, "community/home.html", {"communities": communities_for(request.user)})
