from django.urls import path

from national import views

app_name = "national"

urlpatterns = [
    path("", views.index, name="index"),
    path("template.xlsx", views.template, name="template"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/pending/", views.pending, name="pending"),
    path("rows/<int:pk>/<str:action>/", views.decide, name="decide"),
]
