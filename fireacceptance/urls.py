"""一事一议 — fire-acceptance problems submitted to the county government (issue 17 item 7; Anshan 2020 item 23)."""

from django.urls import path

from fireacceptance import views

app_name = "fireacceptance"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_edit, name="create"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/edit/", views.case_edit, name="edit"),
]
