from django.contrib import admin

from institutions.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "address"]
    list_filter = ["region"]
    search_fields = ["name"]
