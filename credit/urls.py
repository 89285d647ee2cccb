"""信用记录 keyed by the Unified Social Credit Code (issue 17 item 4; measures 九 and 十二)."""

from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("new/", views.record_edit, name="create"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/edit/", views.record_edit, name="edit"),
]
