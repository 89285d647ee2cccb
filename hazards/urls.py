from django.urls import path

from hazards import excel_views, views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="list"),
    path("institution-options/", views.institution_options, name="institution_options"),
    path("new/", views.hazard_create, name="create"),
    path("<int:pk>/", views.hazard_detail, name="detail"),
    path("<int:pk>/edit/", views.hazard_edit, name="edit"),
    path("<int:pk>/transition/<str:action>/", views.hazard_transition, name="transition"),
    path("<int:pk>/deadline/", views.hazard_extend, name="extend"),
    path("<int:pk>/evidence/", views.evidence_upload, name="evidence"),
    path("<int:pk>/refer/", views.referral_create, name="refer"),
    path("<int:pk>/delete/", views.hazard_delete, name="delete"),
    path("referrals/<int:pk>/reply/", views.referral_reply, name="reply"),
    path("lists/<str:kind>/", excel_views.three_lists, name="lists"),
    path("export/", excel_views.export, name="export"),
    path("import/", excel_views.upload, name="import"),
    path("import/template/", excel_views.template, name="import_template"),
    path("import/<int:pk>/", excel_views.preview, name="import_preview"),
    path("import/<int:pk>/apply/", excel_views.apply, name="import_apply"),
]
