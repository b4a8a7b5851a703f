from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin's own login page has no limit on failed passwords: send it to allauth's, which has them (and the growing
# delays of accounts.adapter). Staff log in there like everybody and come back to /admin/.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("community.urls")),
    path("", include("pages.urls")),
    path("", include("proposals.urls")),
    path("", include("meetings.urls")),
    path("", include("lifecycle.urls")),
    path("", include("costs.urls")),
    path("", include("resolutions.urls")),
    path("", include("voting.urls")),
    path("", include("consult.urls")),
    path("", include("documents.urls")),
    path("", include("messaging.urls")),
    path("", include("reports.urls")),
]
