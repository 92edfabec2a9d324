"""Operators see every export (the audit log) and every saved cohort; exports are read-only."""

from django.contrib import admin

from .models import CohortDefinition, Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["id", "created_by", "format", "row_count", "sha256", "size_bytes", "created_at", "finished_at"]
    list_filter = ["format", "created_at"]
    search_fields = ["created_by__username", "sha256"]
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an audit log


@admin.register(CohortDefinition)
class CohortDefinitionAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "owner", "updated_at"]
    search_fields = ["name", "owner__username"]
