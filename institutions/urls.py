from django.urls import path

from institutions import import_views, views

app_name = "institutions"

urlpatterns = [
    path("", views.institution_list, name="list"),
    path("new/", views.institution_create, name="create"),
    path("<int:pk>/", views.institution_detail, name="detail"),
    path("<int:pk>/edit/", views.institution_edit, name="edit"),
    path("export/", import_views.export, name="export"),
    path("import/", import_views.upload, name="import"),
    path("import/template/", import_views.template, name="import_template"),
    path("import/<int:pk>/", import_views.preview, name="import_preview"),
    path("import/<int:pk>/apply/", import_views.apply, name="import_apply"),
    path("self-report/", views.self_report, name="self_report"),
    path("self-reports/", views.self_report_list, name="self_report_list"),
    path("self-reports/<int:pk>/", views.self_report_review, name="self_report_review"),
    path("self-reports/<int:pk>/accept/", views.self_report_accept, name="self_report_accept"),
    path("self-reports/<int:pk>/return/", views.self_report_return, name="self_report_return"),
]
