from django.urls import path

from reports import docx_urls, pdf_urls, views, workbook_urls

app_name = "reports"

urlpatterns = [
    path("summary/", views.summary, name="summary"),
    path("summaries/", views.summary_list, name="summary_list"),
    path("summaries/<int:pk>/", views.summary_detail, name="summary_detail"),
    path("summaries/<int:pk>/accept/", views.summary_accept, name="summary_accept"),
    path("summaries/<int:pk>/return/", views.summary_return, name="summary_return"),
    path("summaries/<int:pk>/reopen/", views.summary_reopen, name="summary_reopen"),
    # issue 14: the printed outputs, each part in its own module
    *workbook_urls.urlpatterns,
    *pdf_urls.urlpatterns,
    *docx_urls.urlpatterns,
]
