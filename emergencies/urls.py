"""突发事件 and 应急演练/宣传普及 (issue 17 items 2 and 3; measure 八)."""

from django.urls import path

from emergencies import views

app_name = "emergencies"

urlpatterns = [
    path("incidents/", views.incident_list, name="incidents"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/close/", views.incident_close, name="incident_close"),
    path("notifications/<int:pk>/", views.notification_save, name="notification_save"),
    path("drills/", views.drill_list, name="drills"),
    path("drills/new/", views.drill_create, name="drill_create"),
    path("missing/", views.missing, name="missing"),
]
