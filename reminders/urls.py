from django.urls import path

from reminders import views

app_name = "reminders"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/open/", views.notification_open, name="open"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("rules/", views.rules, name="rules"),
    path("rules/<slug:source>/", views.rule_save, name="rule_save"),
    path("health/", views.health, name="health"),
]
