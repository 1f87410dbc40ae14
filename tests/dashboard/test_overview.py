"""Dashboard access (every page) and the overview counts."""

import datetime as dt

import pytest
from django.urls import reverse

from patients import roles
from patients.models import ClinicMembership
from screening import services
from tests import factories

from .conftest import add_screened_patients, open_rule_ids, queries_of

pytestmark = pytest.mark.django_db

PAGES = [
    "dashboard:overview",
    "dashboard:worklist",
    "dashboard:worklist_csv",
    "dashboard:labs",
    "dashboard:labs_csv",
    "dashboard:governance",
]


class TestAccess:
    @pytest.mark.parametrize("name", PAGES)
    def test_anonymous_is_redirected_to_login(self, client, name):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("name", PAGES)
    def test_wrong_method_gets_405(self, client_for, clinician, name):
        client = client_for(clinician)
        assert client.post(reverse(name)).status_code == 405
        assert client.put(reverse(name)).status_code == 405

    @pytest.mark.parametrize("name", PAGES)
    def test_user_without_a_dashboard_role_gets_403(self, client_for, clinic, name):
        nobody = factories.make_user(clinic=clinic, role=None)
        assert client_for(nobody).get(reverse(name)).status_code == 403

    @pytest.mark.parametrize("name", PAGES)
    def test_other_clinic_code_gets_404(self, client_for, stranger, clinic, name):
        response = client_for(stranger).get(reverse(name), {"clinic": str(clinic.code)})
        assert response.status_code == 404

    @pytest.mark.parametrize("name", PAGES)
    def test_malformed_clinic_code_gets_404(self, client_for, clinician, name):
        assert client_for(clinician).get(reverse(name), {"clinic": "not-a-code"}).status_code == 404

    @pytest.mark.parametrize("role", [roles.CLINICIAN, roles.ADMINISTRATOR, roles.REVIEWER])
    def test_every_role_sees_the_dashboard(self, client_for, clinic, role):
        user = factories.make_user(clinic=clinic, role=role)
        for name in PAGES:
            assert client_for(user).get(reverse(name)).status_code == 200, name

    def test_other_clinic_sees_none_of_this_clinics_patients(self, client_for, stranger, caseload):
        client = client_for(stranger)
        for name in ["dashboard:worklist", "dashboard:labs", "dashboard:worklist_csv", "dashboard:labs_csv"]:
            text = client.get(reverse(name)).content.decode()
            assert "Elsewhere" in text, name
            for family_name in ("Able", "Baker", "Dunn"):
                assert family_name not in text, name
        overview = client.get(reverse("dashboard:overview")).context["counts"]
        assert overview.patients == 1
        assert overview.screened == 1

    def test_navigation_links_to_the_dashboard_only_with_the_permission(self, client_for, clinician, clinic):
        assert reverse("dashboard:overview") in client_for(clinician).get(reverse("patients:list")).text
        nobody = factories.make_user(clinic=clinic, role=None)
        nobody.user_permissions.add(*_perms("patients.view_patient"))
        assert reverse("dashboard:overview") not in client_for(nobody).get(reverse("patients:list")).text


def _perms(*dotted):
    from django.contrib.auth.models import Permission

    return [
        Permission.objects.get(content_type__app_label=name.split(".")[0], codename=name.split(".")[1])
        for name in dotted
    ]


class TestCounts:
    def test_counts_reflect_latest_recorded_screenings(self, client_for, clinician, caseload):
        response = client_for(clinician).get(reverse("dashboard:overview"))
        assert response.status_code == 200
        counts = response.context["counts"]
        assert counts.patients == 4
        assert counts.screened == 3
        assert counts.never_screened == 1
        assert counts.meets_trd == 1
        assert counts.with_open_findings == 3
        assert counts.open_safety_findings == 1
        assert counts.screenings_this_month == 3

    def test_open_findings_by_category_and_severity(self, client_for, clinician, caseload):
        counts = client_for(clinician).get(reverse("dashboard:overview")).context["counts"]
        expected_open = (
            open_rule_ids(caseload.able_screening),
            open_rule_ids(caseload.baker_screening),
            open_rule_ids(caseload.dunn_screening),
        )
        assert "META-01a" not in expected_open[0]  # acknowledged
        assert "DATA-03" not in expected_open[1]  # dismissed
        total = sum(findings for _, findings in counts.open_by_category.values())
        assert total == sum(len(ids) for ids in expected_open)
        assert counts.open_by_category[("safety", "important")] == (1, 1)
        assert counts.open_by_category[("data_gap", "consider")][0] == 3  # DATA-02 for all three
        assert ("metabolic", "consider") not in counts.open_by_category

    def test_trd_count_reads_the_trd_definition_of_each_recorded_result(self, clinic, clinician):
        """The count goes through the TRD-01 finding row; it must say exactly what the result JSON says."""
        from django.utils import timezone

        from dashboard.queries import TRD_DEFINITION_RULE
        from patients import demo
        from screening.models import Screening

        demo.load_demo_patients(clinic=clinic, user=clinician, today=timezone.localdate())
        for patient in clinic.patients.all():
            services.record_screening(patient=patient, recorded_by=clinician)
        screenings = list(Screening.objects.filter(patient__clinic=clinic))
        meets = [s.result["trd"]["meets_trd_definition"] for s in screenings]
        assert any(meets) and not all(meets)
        for screening, expected in zip(screenings, meets, strict=True):
            assert screening.findings.filter(rule_id=TRD_DEFINITION_RULE).exists() == expected

    def test_a_later_screening_replaces_the_earlier_one(self, client_for, clinician, caseload):
        """Reviewing the safety finding closes it; a new recording carries the review over."""
        services.review_finding(
            finding=caseload.able_screening.findings.get(rule_id="HORM-05"),
            reviewed_by=clinician,
            state="follow_up",
            follow_up="Safety plan reviewed",
        )
        counts = client_for(clinician).get(reverse("dashboard:overview")).context["counts"]
        assert counts.open_safety_findings == 0
        # A new recording carries the review over: still not open.
        services.record_screening(patient=caseload.able, recorded_by=clinician)
        counts = client_for(clinician).get(reverse("dashboard:overview")).context["counts"]
        assert counts.open_safety_findings == 0
        assert counts.screened == 3
        assert counts.screenings_this_month == 4

    def test_clinic_filter_narrows_to_one_of_the_users_clinics(self, client_for, caseload, other_clinic):
        both = factories.make_user(clinic=caseload.clinic, role=roles.ADMINISTRATOR)
        ClinicMembership.objects.create(user=both, clinic=other_clinic)
        client = client_for(both)
        assert client.get(reverse("dashboard:overview")).context["counts"].patients == 5
        only_other = client.get(reverse("dashboard:overview"), {"clinic": str(other_clinic.code)})
        assert only_other.context["counts"].patients == 1
        assert "Riverside Clinic" in only_other.text

    def test_page_shows_counts_table_and_chart(self, client_for, clinician, caseload):
        text = client_for(clinician).get(reverse("dashboard:overview")).text
        assert 'role="img"' in text
        assert "Open findings in latest recorded screenings, by category and severity" in text
        assert "Never screened" in text
        assert f"{reverse('dashboard:worklist')}?category=safety" in text

    def test_screenings_before_this_month_are_not_counted(self, client_for, clinician, caseload):
        from screening.models import Screening

        old = Screening.objects.filter(patient=caseload.baker).get()
        Screening.objects.filter(pk=old.pk).update(recorded_at=old.recorded_at - dt.timedelta(days=70))
        counts = client_for(clinician).get(reverse("dashboard:overview")).context["counts"]
        assert counts.screenings_this_month == 2


class TestQueryCount:
    def test_overview_runs_the_same_queries_for_3_and_30_patients(
        self, client_for, clinician, clinic, django_assert_max_num_queries
    ):
        client = client_for(clinician)
        url = reverse("dashboard:overview")
        add_screened_patients(clinic, clinician, 3)
        few = queries_of(client, url, {}, django_assert_max_num_queries, OVERVIEW_QUERIES)
        add_screened_patients(clinic, clinician, 27)
        many = queries_of(client, url, {}, django_assert_max_num_queries, OVERVIEW_QUERIES)
        assert few == many


#: session, user, permissions (2), clinics, the counts (4), navigation clinics, session save (3 statements).
OVERVIEW_QUERIES = 13
