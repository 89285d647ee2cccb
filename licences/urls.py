"""证照 — licences and certificates of each institution (issue 17 item 5; measures 二, 三 and 十二)."""

from django.urls import path

from licences import views

app_name = "licences"

urlpatterns = [
    path("", views.licence_list, name="list"),
    path("due/", views.licence_due, name="due"),
    path("new/", views.licence_edit, name="create"),
    path("<int:pk>/", views.licence_detail, name="detail"),
    path("<int:pk>/edit/", views.licence_edit, name="edit"),
]
