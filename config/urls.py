from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = settings.PORTAL_NAME
admin.site.site_title = settings.PORTAL_NAME
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("campaigns/", include("campaign.urls")),
    path("institutions/", include("institutions.urls")),
    path("hazards/", include("hazards.urls")),
    path("checklist/", include("campaign.answer_urls")),
    path("reports/", include("reports.urls")),
    path("reminders/", include("reminders.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("inspections/", include("inspections.urls")),
    path("public/draws/", include("inspections.public_urls")),
    path("complaints/", include("complaints.urls")),
    path("emergencies/", include("emergencies.urls")),
    path("credit/", include("credit.urls")),
    path("enforcement/", include("enforcement.urls")),
    path("licences/", include("licences.urls")),
    path("staff/", include("staff.urls")),
    path("trainings/", include("trainings.urls")),
    path("national/", include("national.urls")),
    path("fire-acceptance/", include("fireacceptance.urls")),
    path("public/", include("disclosure.urls")),
    path("api/v1/", include("config.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The bench's anchor page (issue 11), never in production: only with PORTAL_BENCH=1.
if settings.PORTAL_BENCH:
    urlpatterns.append(path("bench/", include("bench.urls")))

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
