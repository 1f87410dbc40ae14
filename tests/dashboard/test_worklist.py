"""The worklist: patients with open findings, every filter and sort, pagination, CSV export, query count."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from patients import services as patient_services
from screening import services
from tests import factories

from .conftest import add_screened_patients, queries_of, today

pytestmark = pytest.mark.django_db

URL = reverse("dashboard:worklist")
CSV_URL = reverse("dashboard:worklist_csv")


def names(response) -> list[str]:
    return [row.family_name for row in response.context["rows"]]


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


class TestRows:
    def test_lists_patients_with_open_findings_only(self, client_for, clinician, caseload):
        response = client_for(clinician).get(URL)
        assert response.status_code == 200
        assert sorted(names(response)) == ["Able", "Baker", "Dunn"]  # Carter never screened, Elsewhere elsewhere
        assert "Carter" not in response.text

    def test_each_row_links_to_the_patient_and_the_screening(self, client_for, clinician, caseload):
        text = client_for(clinician).get(URL).text
        assert caseload.able.get_absolute_url() in text
        assert caseload.able_screening.get_absolute_url() in text

    def test_row_shows_counts_severity_categories_and_recorder(self, client_for, clinician, caseload):
        rows = {row.family_name: row for row in client_for(clinician).get(URL).context["rows"]}
        able = rows["Able"]
        assert able.open_count == 4  # HORM-05, NUTR-05b, DATA-02, DATA-03 (META-01a acknowledged)
        assert able.top_severity == "important"
        assert ("safety", 1) in able.categories
        assert able.recorded_by == "Casey Doctor"
        assert rows["Dunn"].recorded_by == "Sam Second"
        assert rows["Baker"].open_count == 3  # DATA-03 dismissed

    def test_a_patient_whose_findings_are_all_reviewed_drops_off(self, client_for, clinician, caseload):
        for finding in caseload.baker_screening.findings.exclude(rule_id="DATA-03"):
            services.review_finding(finding=finding, reviewed_by=clinician, state="acknowledged")
        assert "Baker" not in names(client_for(clinician).get(URL))

    def test_a_review_set_back_to_open_counts_as_open(self, client_for, clinician, caseload):
        finding = caseload.able_screening.findings.get(rule_id="META-01a")
        services.review_finding(finding=finding, reviewed_by=clinician, state="open")
        rows = {row.family_name: row for row in client_for(clinician).get(URL).context["rows"]}
        assert rows["Able"].open_count == 5

    def test_only_the_latest_screening_counts(self, client_for, clinician, caseload):
        from patients import services as patient_services

        patient_services.record_scale_score(
            patient=caseload.able, instrument="phq9", administered_on=today(), items=[0] * 9
        )
        # Screened 31 days on: the positive item 9 has left HORM-05's window and the latest PHQ-9 is negative.
        services.record_screening(patient=caseload.able, recorded_by=clinician, as_of=today() + dt.timedelta(days=31))
        rows = {row.family_name: row for row in client_for(clinician).get(URL).context["rows"]}
        assert rows["Able"].top_severity != "important"


class TestFilters:
    def test_by_category(self, client_for, clinician, caseload):
        assert names(client_for(clinician).get(URL, {"category": "safety"})) == ["Able"]
        assert sorted(names(client_for(clinician).get(URL, {"category": "data_gap"}))) == ["Able", "Baker", "Dunn"]

    def test_by_severity(self, client_for, clinician, caseload):
        response = client_for(clinician).get(URL, {"severity": "important"})
        assert names(response) == ["Able"]
        assert response.context["rows"][0].open_count == 1

    def test_by_category_and_severity_counts_only_matching_findings(self, client_for, clinician, caseload):
        response = client_for(clinician).get(URL, {"category": "data_gap", "severity": "info"})
        rows = {row.family_name: row for row in response.context["rows"]}
        assert set(rows) == {"Able", "Dunn"}  # Baker's DATA-03 is dismissed
        assert rows["Able"].open_count == 1

    def test_by_clinician_who_recorded_the_screening(self, client_for, clinician, caseload):
        client = client_for(clinician)
        assert names(client.get(URL, {"clinician": caseload.second_clinician.pk})) == ["Dunn"]
        assert sorted(names(client.get(URL, {"clinician": clinician.pk}))) == ["Able", "Baker"]

    def test_clinician_of_another_clinic_is_refused(self, client_for, clinician, stranger, caseload):
        assert client_for(clinician).get(URL, {"clinician": stranger.pk}).status_code == 400

    def test_not_screened_since_new_data(self, client_for, clinician, caseload):
        client = client_for(clinician)
        assert names(client.get(URL, {"new_data": "on"})) == []
        factories.add_labs(caseload.baker, ("tsh", "2.1", "m[IU]/L"), collected_on=today())
        response = client.get(URL, {"new_data": "on"})
        assert names(response) == ["Baker"]
        assert response.context["rows"][0].new_data
        services.record_screening(patient=caseload.baker, recorded_by=clinician)
        assert names(client.get(URL, {"new_data": "on"})) == []

    @pytest.mark.parametrize(
        "change",
        [
            lambda p: factories.make_scale_score(p, administered_on=today()),
            lambda p: factories.make_trial(p),
            lambda p: factories.make_measurement(p, measured_on=today()),
            lambda p: factories.make_medicine(p),
            lambda p: factories.make_augmentation(p),
            lambda p: factories.make_other_treatment(p),
        ],
        ids=["scale score", "trial", "measurement", "medicine", "augmentation", "other treatment"],
    )
    def test_any_new_clinical_row_counts_as_new_data(self, client_for, clinician, caseload, change):
        change(caseload.dunn)
        assert names(client_for(clinician).get(URL, {"new_data": "on"})) == ["Dunn"]

    @pytest.mark.parametrize(
        "change",
        [
            lambda medicine, trial: patient_services.end_medicine(medicine=medicine, end=today()),
            lambda medicine, trial: patient_services.change_trial_dose(
                trial=trial, daily_dose_mg=Decimal("100"), start=today()
            ),
            lambda medicine, trial: patient_services.end_trial(
                trial=trial, end=today(), outcome="no_response", adherence="good"
            ),
        ],
        ids=["medicine ended", "dose changed", "trial ended"],
    )
    def test_ending_or_changing_a_row_counts_as_new_data(self, client_for, clinician, caseload, change):
        medicine, trial = factories.make_medicine(caseload.dunn), factories.make_trial(caseload.dunn)
        services.record_screening(patient=caseload.dunn, recorded_by=clinician)
        assert names(client_for(clinician).get(URL, {"new_data": "on"})) == []
        change(medicine, trial)
        assert names(client_for(clinician).get(URL, {"new_data": "on"})) == ["Dunn"]

    def test_an_edit_of_the_intake_counts_as_new_data(self, client_for, clinician, caseload):
        intake = caseload.able.intake
        intake.episode_severity = "moderate"
        intake.save()
        assert names(client_for(clinician).get(URL, {"new_data": "on"})) == ["Able"]

    @pytest.mark.parametrize(
        "params", [{"category": "nonsense"}, {"severity": "urgent"}, {"sort": "mrn"}, {"clinician": "x"}]
    )
    def test_invalid_filter_is_refused(self, client_for, clinician, caseload, params):
        assert client_for(clinician).get(URL, params).status_code == 400
        assert client_for(clinician).get(CSV_URL, params).status_code == 400


class TestSorting:
    def test_by_name_both_ways(self, client_for, clinician, caseload):
        client = client_for(clinician)
        assert names(client.get(URL, {"sort": "name"})) == ["Able", "Baker", "Dunn"]
        assert names(client.get(URL, {"sort": "-name"})) == ["Dunn", "Baker", "Able"]

    def test_by_highest_severity_first_by_default(self, client_for, clinician, caseload):
        assert names(client_for(clinician).get(URL))[0] == "Able"
        assert names(client_for(clinician).get(URL, {"sort": "-severity"}))[-1] == "Able"

    def test_a_safety_finding_comes_before_more_important_findings(self, client_for, clinician, clinic, caseload):
        for finding in caseload.able_screening.findings.exclude(rule_id="HORM-05"):
            services.review_finding(finding=finding, reviewed_by=clinician, state="acknowledged")
        zed = factories.make_patient(clinic=clinic, family_name="Zed")
        factories.add_labs(zed, ("hba1c", "7.0", "%"), ("vitamin_d", "8", "ng/mL"), collected_on=today())
        services.record_screening(patient=zed, recorded_by=clinician)
        response = client_for(clinician).get(URL)
        rows = response.context["rows"]
        assert [row.family_name for row in rows[:2]] == ["Able", "Zed"]  # 1 open safety finding, then several
        assert rows[0].open_count == 1 < rows[1].open_count and rows[1].top_severity == "important"
        assert rows[0].safety and not rows[1].safety
        assert rows[0].top_severity_label == "Important (safety)"
        assert '<span class="badge text-bg-danger">Safety</span>' in response.text

    def test_by_number_of_open_findings(self, client_for, clinician, caseload):
        response = client_for(clinician).get(URL, {"sort": "open"})
        counts = [row.open_count for row in response.context["rows"]]
        assert counts == sorted(counts, reverse=True)
        reverse_counts = [row.open_count for row in client_for(clinician).get(URL, {"sort": "-open"}).context["rows"]]
        assert reverse_counts == sorted(counts)

    def test_by_newest_screening(self, client_for, clinician, caseload):
        from screening.models import Screening

        Screening.objects.filter(pk=caseload.dunn_screening.pk).update(
            recorded_at=caseload.dunn_screening.recorded_at - dt.timedelta(days=3)
        )
        assert names(client_for(clinician).get(URL, {"sort": "screened"})) == ["Baker", "Able", "Dunn"]
        assert names(client_for(clinician).get(URL, {"sort": "-screened"})) == ["Dunn", "Able", "Baker"]

    def test_every_sort_has_a_label(self):
        from dashboard.forms import SORT_LABELS
        from dashboard.queries import WORKLIST_SORTS

        assert set(SORT_LABELS) == set(WORKLIST_SORTS)
        assert next(iter(SORT_LABELS)) == "severity"  # the default is shown first

    def test_column_headers_toggle_the_direction(self, client_for, clinician, caseload):
        text = client_for(clinician).get(URL, {"sort": "name"}).text
        assert "sort=-name" in text
        assert 'aria-sort="ascending"' in text


class TestTotal:
    @pytest.mark.parametrize(
        "filters",
        [
            {},
            {"category": "data_gap"},
            {"severity": "important"},
            {"category": "metabolic", "severity": "consider"},
            {"new_data_only": True},
        ],
        ids=repr,
    )
    def test_the_page_total_is_the_number_of_rows(self, caseload, filters):
        from dashboard import queries
        from dashboard.pagination import page_with_total
        from patients.models import Clinic

        factories.add_labs(caseload.able, ("tsh", "1.1", "m[IU]/L"), collected_on=today())
        scope = queries.Scope(tuple(Clinic.objects.filter(pk=caseload.clinic.pk)))
        rows = queries.worklist(scope, queries.WorklistFilters(**filters))
        assert page_with_total(rows, 1, 2).paginator.count == len(list(rows))


class TestPagination:
    def test_pages_of_25_keep_the_filters(self, client_for, clinician, clinic):
        for index in range(30):
            patient = factories.make_patient(clinic=clinic, family_name=f"Person{index:02d}")
            services.record_screening(patient=patient, recorded_by=clinician)
        client = client_for(clinician)
        first = client.get(URL, {"sort": "name", "category": "data_gap"})
        assert len(first.context["rows"]) == 25
        assert names(first)[0] == "Person00"
        assert "page=2" in first.text and "category=data_gap" in first.text
        second = client.get(URL, {"sort": "name", "category": "data_gap", "page": 2})
        assert names(second) == [f"Person{index:02d}" for index in range(25, 30)]
        assert second.context["page"].paginator.count == 30

    @pytest.mark.parametrize(("asked", "shown"), [("9", 2), ("x", 1), ("-3", 1), ("", 1)])
    def test_a_page_that_is_not_there_shows_the_nearest(self, client_for, clinician, clinic, asked, shown):
        for index in range(30):
            patient = factories.make_patient(clinic=clinic, family_name=f"Person{index:02d}")
            services.record_screening(patient=patient, recorded_by=clinician)
        response = client_for(clinician).get(URL, {"page": asked})
        assert response.context["page"].number == shown
        assert len(response.context["rows"]) == (5 if shown == 2 else 25)


class TestCsv:
    def test_exports_every_matching_row_with_the_same_filters(self, client_for, clinician, caseload):
        response = client_for(clinician).get(CSV_URL, {"category": "data_gap", "sort": "name"})
        rows = csv_rows(response)
        assert rows[0][:3] == ["Family name", "Given name", "MRN"]
        assert [row[0] for row in rows[1:]] == ["Able", "Baker", "Dunn"]
        able = rows[1]
        assert able[2] == caseload.able.mrn
        assert able[4] == today().isoformat()
        assert able[5] == "Casey Doctor"
        assert "attachment" in response["Content-Disposition"]

    def test_neutralises_spreadsheet_formulas(self, client_for, clinician, clinic):
        patient = factories.make_patient(clinic=clinic, family_name="=cmd|' /C calc'!A0", given_name="+SUM(A1)")
        services.record_screening(patient=patient, recorded_by=clinician)
        rows = csv_rows(client_for(clinician).get(CSV_URL))
        assert rows[1][0] == "'=cmd|' /C calc'!A0"
        assert rows[1][1] == "'+SUM(A1)"

    def test_export_is_recorded_in_the_audit_trail_per_patient(self, client_for, clinician, caseload):
        from audit.models import AuditEntry

        client_for(clinician).get(CSV_URL)
        entries = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS)
        assert {entry.additional_data["what"] for entry in entries} == {"worklist CSV export"}
        assert set(entries.values_list("patient_id", flat=True)) == {
            caseload.able.pk,
            caseload.baker.pk,
            caseload.dunn.pk,
        }
        assert set(entries.values_list("actor", flat=True)) == {clinician.pk}

    def test_other_clinic_rows_are_never_exported(self, client_for, stranger, caseload):
        rows = csv_rows(client_for(stranger).get(CSV_URL))
        assert [row[0] for row in rows[1:]] == ["Elsewhere"]


class TestQueryCount:
    @pytest.mark.parametrize("params", [{}, {"sort": "name", "new_data": "on"}, {"category": "data_gap"}])
    def test_worklist_runs_the_same_queries_for_3_and_30_patients(
        self, client_for, clinician, clinic, django_assert_max_num_queries, params
    ):
        client = client_for(clinician)
        add_screened_patients(clinic, clinician, 3)
        few = queries_of(client, URL, params, django_assert_max_num_queries, WORKLIST_QUERIES)
        add_screened_patients(clinic, clinician, 27)
        many = queries_of(client, URL, params, django_assert_max_num_queries, WORKLIST_QUERIES)
        assert few == many

    def test_csv_export_query_count_does_not_grow_with_rows(self, client_for, clinician, clinic):
        client = client_for(clinician)
        add_screened_patients(clinic, clinician, 3)
        few = queries_of(client, CSV_URL, {})
        add_screened_patients(clinic, clinician, 27)
        assert queries_of(client, CSV_URL, {}) == few


#: session, user, permissions (2), clinics, clinicians of the filter, the page with its total, the page's open
#: categories, the page's screenings with their new-data flags, navigation clinics, session save (3 statements).
WORKLIST_QUERIES = 13
