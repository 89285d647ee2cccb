"""Included by config/urls.py only when settings.PORTAL_BENCH is on."""

from django.urls import path

from bench import views

app_name = "bench"
urlpatterns = [path("anchor/", views.anchor, name="anchor")]
