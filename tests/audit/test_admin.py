"""Audit entries cannot be added, changed or deleted, neither in the admin nor through the model."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from audit.models import AuditEntry, ImmutableAuditEntryError

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x-very-long-password-1")


@pytest.fixture
def entry(patient):
    return AuditEntry.objects.filter(patient=patient).first()


def test_admin_lists_entries(client_for, superuser, entry):
    response = client_for(superuser).get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 200
    assert "delete_selected" not in response.text  # no delete action


def test_admin_cannot_add_change_or_delete(client_for, superuser, entry):
    client = client_for(superuser)
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    change_url = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(change_url).status_code == 200  # view only
    assert client.post(change_url, {"object_repr": "tampered"}).status_code == 403
    delete_url = reverse("admin:audit_auditentry_delete", args=[entry.pk])
    assert client.get(delete_url).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.object_repr != "tampered"


def test_admin_model_has_no_write_permission(rf, superuser):
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = superuser
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_entries_cannot_be_changed_or_deleted_through_the_model(entry):
    entry.object_repr = "tampered"
    with pytest.raises(ImmutableAuditEntryError):
        entry.save()
    with pytest.raises(ImmutableAuditEntryError):
        entry.delete()


def test_a_user_who_acted_cannot_be_deleted(clinician, patient):
    from django.db.models import ProtectedError

    AuditEntry.objects.log_create(patient, force_log=True, action=AuditEntry.Action.ACCESS, actor=clinician)
    with pytest.raises(ProtectedError):
        clinician.delete()


def test_no_audit_url_accepts_a_write(client_for, clinic):
    from django.urls import get_resolver

    from patients import roles
    from tests import factories

    administrator = factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR)
    client = client_for(administrator)
    patterns = get_resolver().url_patterns
    audit_urls = [p for p in patterns if getattr(p, "app_name", None) == "audit"]
    assert audit_urls
    for pattern in audit_urls[0].url_patterns:
        url = reverse(f"audit:{pattern.name}")
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(url).status_code == 405, (url, method)
