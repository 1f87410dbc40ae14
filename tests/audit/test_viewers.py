"""The patient page shows who viewed the record."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from tests import factories
from tests.patients import PATIENT_PAGE_QUERIES

pytestmark = pytest.mark.django_db


def test_lists_recent_viewers_with_what_they_viewed(client_for, clinician, clinic, screened, patient):
    colleague = factories.make_user(clinic=clinic, first_name="Jordan", last_name="Colleague")
    client_for(colleague).get(reverse("screening:print", args=[screened.code]))
    page = client_for(clinician).get(patient.get_absolute_url()).text
    section = page[page.index("Who viewed this record") :]
    assert "Jordan Colleague" in section and "print view" in section
    assert "Casey Doctor" in section and "patient page" in section  # this very view


def test_never_lists_views_of_another_patient(client_for, clinician, clinic, patient):
    other = factories.make_patient(clinic=clinic)
    viewer = factories.make_user(clinic=clinic, first_name="Only", last_name="Elsewhere")
    client_for(viewer).get(other.get_absolute_url())
    page = client_for(clinician).get(patient.get_absolute_url()).text
    assert "Only Elsewhere" not in page


def test_links_the_full_trail_for_those_who_may_browse_it(client_for, clinician, administrator, patient):
    link = f"{reverse('audit:trail')}?patient={patient.code}"
    assert link in client_for(administrator).get(patient.get_absolute_url()).text
    assert link not in client_for(clinician).get(patient.get_absolute_url()).text


@pytest.mark.parametrize("views", [1, 40])
def test_patient_page_query_count_does_not_grow_with_views(
    client_for, clinician, patient, django_assert_max_num_queries, views
):
    for _ in range(views):
        AuditEntry.objects.log_create(patient, force_log=True, action=AuditEntry.Action.ACCESS, actor=clinician)
    client = client_for(clinician)
    with django_assert_max_num_queries(PATIENT_PAGE_QUERIES):
        response = client.get(patient.get_absolute_url())
    assert response.status_code == 200
    assert len(response.context["recent_views"]) == min(10, views + 1)
