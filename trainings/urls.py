"""培训 — training sessions organised by the city or a district (issue 17 item 7; Anshan 2020 item 22)."""

from django.urls import path

from trainings import views

app_name = "trainings"

urlpatterns = [
    path("", views.training_list, name="list"),
    path("new/", views.training_edit, name="create"),
    path("<int:pk>/", views.training_detail, name="detail"),
    path("<int:pk>/edit/", views.training_edit, name="edit"),
]
