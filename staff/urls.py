"""从业人员 — staff, their qualifications and the 行业禁入 list (issue 17 item 8; measures 五 and 十二)."""

from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("", views.staff_list, name="list"),
    path("new/", views.staff_edit, name="create"),
    path("<int:pk>/", views.staff_detail, name="detail"),
    path("<int:pk>/edit/", views.staff_edit, name="edit"),
    path("<int:staff_pk>/qualifications/new/", views.qualification_edit, name="qualification_create"),
    path("qualifications/<int:pk>/edit/", views.qualification_edit, name="qualification_edit"),
    path("<int:staff_pk>/trainings/new/", views.training_create, name="training_create"),
    path("bans/", views.ban_list, name="ban_list"),
    path("bans/new/", views.ban_edit, name="ban_create"),
    path("bans/<int:pk>/", views.ban_detail, name="ban_detail"),
    path("bans/<int:pk>/edit/", views.ban_edit, name="ban_edit"),
    path("banned-on-staff/", views.ban_matches, name="matches"),
]
