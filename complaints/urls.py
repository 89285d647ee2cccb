"""投诉举报 (issue 17 item 1): intake, routing to the competent department, handling deadline, reply, repeats."""

from django.urls import path

from complaints import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/step/<str:step>/", views.complaint_step, name="step"),
    path("<int:pk>/hazard/", views.complaint_hazard, name="hazard"),
]
