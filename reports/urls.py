from django.urls import path

from reports import views_departments

urlpatterns = []

# --- departments and district ---------------------------------------------------------------------------------
urlpatterns += [
    path("departments/", views_departments.department_inbox_mine, name="department_inbox"),
    path("d/<slug:slug>/", views_departments.district_page, name="district_page"),
    path("d/<slug:slug>/departments/<int:pk>/", views_departments.department_inbox_one, name="department_inbox_one"),
    path("summons/<int:pk>/acknowledge/", views_departments.summons_acknowledge_view, name="summons_acknowledge"),
    path("summons/<int:pk>/act/", views_departments.summons_act_view, name="summons_act"),
    path("summons/<int:pk>/complete/", views_departments.summons_complete_view, name="summons_complete"),
    path("summons/<int:pk>/photos/<int:photo_id>/", views_departments.summons_photo, name="summons_photo"),
]
