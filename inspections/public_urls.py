from django.urls import path

from inspections import public_views

app_name = "public_draws"

urlpatterns = [
    path("", public_views.draw_list, name="list"),
    path("<int:pk>/", public_views.draw_detail, name="detail"),
    path("<int:pk>/published.json", public_views.draw_document, name="document"),
    path("files/<str:name>", public_views.source_file, name="file"),
]
