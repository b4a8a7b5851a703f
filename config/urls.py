from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("community.urls")),
    path("", include("pages.urls")),
    path("", include("proposals.urls")),
    path("", include("lifecycle.urls")),
    path("", include("costs.urls")),
    path("", include("resolutions.urls")),
    path("", include("voting.urls")),
    path("", include("consult.urls")),
    path("", include("documents.urls")),
]
