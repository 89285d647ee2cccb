"""Read-only admin: policies are kept and lists published through the portal's pages (services),
and a publication, once made, is a record that nobody edits."""

from django.contrib import admin

from disclosure.models import Publication, SupportPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupportPolicy)
class SupportPolicyAdmin(ReadOnlyAdmin):
    list_display = ["title", "region", "issuing_body", "issued_on", "original_filename", "created_by"]
    list_filter = ["region"]
    search_fields = ["title", "issuing_body"]
    fields = ["region", "title", "issuing_body", "issued_on", "url", "original_filename", "file_sha256",
              "created_by", "created_at", "updated_at"]  # fmt: skip


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["region", "kind", "published_at", "published_by"]
    list_filter = ["kind", "region"]
    date_hierarchy = "published_at"
    fields = ["region", "kind", "published_at", "published_by", "snapshot"]
