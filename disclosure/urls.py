from django.urls import path

from disclosure import views

app_name = "disclosure"

urlpatterns = [
    # Staff: keep the policy list, publish the three lists.
    path("manage/", views.manage, name="manage"),
    path("manage/policies/new/", views.policy_create, name="policy_create"),
    path("manage/policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("manage/policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
    path("manage/<str:code>/", views.manage_region, name="manage_region"),
    path("manage/<str:code>/publish/<str:kind>/", views.publish, name="publish"),
    # Public, no login.
    path("", views.index, name="index"),
    path("policies/<int:pk>/file/", views.policy_file, name="policy_file"),
    path("<str:code>/", views.region, name="region"),
]
