from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "role", "region", "department", "institution", "is_active"]
    list_filter = ["role", "department", "is_active", "region"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["region", "institution"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "phone", "email", "reminder_email")}),
        (_("Role and scope"), {"fields": ("role", "region", "department", "institution")}),
        (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("Role and scope"), {"fields": ("full_name", "role", "region", "department", "institution")}),
    )
    readonly_fields = ["last_login", "date_joined"]
