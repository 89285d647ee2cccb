from django.urls import path

from inspections import record_views, views

app_name = "inspections"

urlpatterns = [
    path("items/", views.item_list, name="items"),
    path("items/new/", views.item_edit, name="item_create"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/points/", views.point_add, name="point_add"),
    path("points/<int:pk>/delete/", views.point_delete, name="point_delete"),
    path("inspectors/", views.inspector_list, name="inspectors"),
    path("inspectors/new/", views.inspector_edit, name="inspector_create"),
    path("inspectors/<int:pk>/edit/", views.inspector_edit, name="inspector_edit"),
    path("objects/", views.object_list, name="objects"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/new/", views.draw_create, name="draw_create"),
    path("draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("draws/<int:pk>/freeze/", views.draw_freeze, name="draw_freeze"),
    path("draws/<int:pk>/seed/", views.draw_seed, name="draw_seed"),
    path("draws/<int:pk>/draw/", views.draw_run, name="draw_run"),
    path("draws/<int:pk>/annul/", views.draw_annul, name="draw_annul"),
    path("draws/<int:pk>/redraw/", views.draw_redraw, name="draw_redraw"),
    path(
        "draws/<int:pk>/inspect/<int:institution>/", record_views.record_from_drawn, name="record_from_drawn"
    ),
    path("filing-checks/", record_views.filing_check_list, name="filing_checks"),
    path("records/", record_views.record_list, name="records"),
    path("records/new/", record_views.record_create, name="record_create"),
    path("records/<int:pk>/", record_views.record_detail, name="record_detail"),
    path("records/<int:pk>/print/", record_views.record_print, name="record_print"),
    path("records/<int:pk>/conclude/", record_views.record_conclude, name="record_conclude"),
    path("findings/<int:pk>/", record_views.finding_save, name="finding_save"),
    path("findings/<int:pk>/hazard/", record_views.finding_hazard, name="finding_hazard"),
    path("findings/<int:pk>/notice/", record_views.finding_notice, name="finding_notice"),
]
