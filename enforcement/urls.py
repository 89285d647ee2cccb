"""Enforcement orders: 责令整改, 停业整顿, emergency measures, referrals (issue 17 item 6; measure 十三)."""

from django.urls import path

from enforcement import views

app_name = "enforcement"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_edit, name="create"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/edit/", views.order_edit, name="edit"),
    path("<int:pk>/lift/", views.order_lift, name="lift"),
]
