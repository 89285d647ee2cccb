from django.urls import path

from campaign import answer_views as views

app_name = "checklist"

urlpatterns = [
    path("", views.checklist, name="index"),
    path("items/<int:number>/", views.answer_edit, name="answer"),
    path("items/<int:number>/evidence/", views.answer_evidence, name="evidence"),
    path("matrix/", views.matrix, name="matrix"),
    path("answers/<int:pk>/", views.review, name="review"),
    path("answers/<int:pk>/accept/", views.accept, name="accept"),
    path("answers/<int:pk>/return/", views.return_answer, name="return"),
    path("answers/<int:pk>/reopen/", views.reopen, name="reopen"),
]
