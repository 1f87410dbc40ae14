from django.contrib import admin

from .models import CdsCard, CdsClient, CdsFeedback, ImportBatch


@admin.register(CdsClient)
class CdsClientAdmin(admin.ModelAdmin):
    """Clients are created with ``manage.py create_cds_client``, which prints the token once; here they are
    listed and can be deactivated. The token itself is never stored, only its hash."""

    list_display = ["name", "clinic", "is_active", "token_prefix", "created_at", "last_used_at"]
    list_filter = ["is_active", "clinic"]
    fields = ["name", "clinic", "is_active", "token_prefix", "created_at", "last_used_at"]
    readonly_fields = ["token_prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(CdsFeedback)
class CdsFeedbackAdmin(admin.ModelAdmin):
    list_display = ["received_at", "outcome", "override_reason", "rule", "client"]
    list_filter = ["outcome", "override_reason"]
    fields = ["card", "outcome", "override_reason", "user_comment", "accepted_suggestions", "outcome_at"]
    readonly_fields = fields

    @admin.display(description="rule")
    def rule(self, obj):
        return f"{obj.card.rule_id}@{obj.card.rule_version}" if obj.card.rule_id else "—"

    @admin.display(description="client")
    def client(self, obj):
        return obj.card.client

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("card__client")


@admin.register(CdsCard)
class CdsCardAdmin(admin.ModelAdmin):
    list_display = ["uuid", "client", "rule_id", "rule_version", "issued_at"]
    list_filter = ["client", "rule_id"]
    readonly_fields = ["uuid", "client", "service_id", "rule_id", "rule_version", "issued_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """Uploads: who, when, what was written. The uploaded content is not shown (it holds patient data)."""

    list_display = ["code", "kind", "clinic", "created_by", "created_at", "committed_at"]
    list_filter = ["kind", "clinic"]
    fields = [
        "code",
        "kind",
        "clinic",
        "created_by",
        "created_at",
        "filename",
        "content_digest",
        "committed_at",
        "summary",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
