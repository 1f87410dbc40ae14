"""Labs to order (open data-gap findings) and alert governance (per-rule firing and review numbers)."""

import csv
import io

import pytest
from django.urls import reverse

from screening import services
from screening.models import Screening

from .conftest import add_screened_patients, queries_of

pytestmark = pytest.mark.django_db

LABS = reverse("dashboard:labs")
LABS_CSV = reverse("dashboard:labs_csv")
GOVERNANCE = reverse("dashboard:governance")


def lab_rows(response) -> list[tuple[str, str]]:
    return [(row.family_name, row.rule_id) for row in response.context["rows"]]


class TestLabsToOrder:
    def test_lists_open_data_gap_findings_of_latest_screenings(self, client_for, clinician, caseload):
        rows = lab_rows(client_for(clinician).get(LABS))
        assert ("Able", "DATA-02") in rows
        assert ("Baker", "DATA-01") in rows
        assert ("Baker", "DATA-03") not in rows  # dismissed
        assert all(name in {"Able", "Baker", "Dunn"} for name, _ in rows)
        assert [name for name, _ in rows] == sorted(name for name, _ in rows)

    def test_says_what_is_missing_and_what_to_order(self, client_for, clinician, caseload):
        response = client_for(clinician).get(LABS, {"rule": "DATA-02"})
        row = next(row for row in response.context["rows"] if row.family_name == "Baker")
        assert row.missing.startswith("No TSH since")
        assert row.to_order == "TSH (reflex FT4)."
        assert caseload.baker.get_absolute_url() in response.text

    def test_filters_by_rule(self, client_for, clinician, caseload):
        rows = lab_rows(client_for(clinician).get(LABS, {"rule": "DATA-01"}))
        assert {rule for _, rule in rows} == {"DATA-01"}
        assert client_for(clinician).get(LABS, {"rule": "META-01a"}).status_code == 400

    def test_follows_the_latest_screening(self, client_for, clinician, caseload):
        from tests import factories

        from .conftest import today

        factories.add_labs(caseload.baker, ("tsh", "2.1", "m[IU]/L"), collected_on=today())
        assert ("Baker", "DATA-02") in lab_rows(client_for(clinician).get(LABS))  # not recorded yet
        services.record_screening(patient=caseload.baker, recorded_by=clinician)
        assert ("Baker", "DATA-02") not in lab_rows(client_for(clinician).get(LABS))

    def test_csv_has_every_row_and_neutralises_formulas(self, client_for, clinician, caseload):
        from tests import factories

        patient = factories.make_patient(clinic=caseload.clinic, family_name="@SUM(1+1)", mrn="-2+3")
        services.record_screening(patient=patient, recorded_by=clinician)
        response = client_for(clinician).get(LABS_CSV, {"rule": "DATA-02"})
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["Family name", "Given name", "MRN"]
        body = rows[1:]
        assert {row[5] for row in body} == {"DATA-02"}
        hostile = next(row for row in body if row[0].startswith("'@"))
        assert hostile[0] == "'@SUM(1+1)"
        assert hostile[2] == "'-2+3"
        assert hostile[7] == "TSH (reflex FT4)."

    def test_export_is_recorded_in_the_audit_trail_once_per_patient(self, client_for, clinician, caseload):
        from audit.models import AuditEntry

        client_for(clinician).get(LABS_CSV)
        entries = AuditEntry.objects.filter(action=AuditEntry.Action.ACCESS)
        assert sorted(entries.values_list("patient_id", flat=True)) == sorted(
            [caseload.able.pk, caseload.baker.pk, caseload.dunn.pk]
        )

    def test_paginates_by_25(self, client_for, clinician, clinic):
        add_screened_patients(clinic, clinician, 10)  # three data-gap findings each
        client = client_for(clinician)
        first = client.get(LABS)
        assert len(first.context["rows"]) == 25
        assert first.context["page"].paginator.count == 30
        assert len(client.get(LABS, {"page": 2}).context["rows"]) == 5

    def test_runs_the_same_queries_for_3_and_30_patients(
        self, client_for, clinician, clinic, django_assert_max_num_queries
    ):
        client = client_for(clinician)
        add_screened_patients(clinic, clinician, 3)
        few = queries_of(client, LABS, {}, django_assert_max_num_queries, LABS_QUERIES)
        add_screened_patients(clinic, clinician, 27)
        assert queries_of(client, LABS, {}, django_assert_max_num_queries, LABS_QUERIES) == few


#: session, user, permissions (2), clinics, the page with its total, navigation clinics, session save (3).
LABS_QUERIES = 10


class TestGovernance:
    def stats(self, client, rule_id):
        rows = client.get(GOVERNANCE).context["rows"]
        return next(row for row in rows if row.stats.rule_id == rule_id)

    def test_counts_firing_in_latest_and_all_screenings(self, client_for, clinician, caseload):
        services.record_screening(patient=caseload.able, recorded_by=clinician)
        row = self.stats(client_for(clinician), "META-01a")
        assert row.stats.fired_latest == 1
        assert row.stats.fired_all == 2
        data_02 = self.stats(client_for(clinician), "DATA-02").stats
        assert data_02.fired_latest == 3
        assert data_02.fired_all == 4

    def test_current_state_follows_the_newest_review_and_carry_over(self, client_for, clinician, caseload):
        services.record_screening(patient=caseload.able, recorded_by=clinician)  # carries the acknowledgement
        row = self.stats(client_for(clinician), "META-01a")
        assert dict(row.current)["Acknowledged"] == 1
        assert dict(row.current)["Open"] == 0

    def test_counts_decisions_once_and_dismissal_reasons(self, client_for, clinician, caseload):
        services.record_screening(patient=caseload.baker, recorded_by=clinician)  # carries the dismissal over
        row = self.stats(client_for(clinician), "DATA-03")
        assert row.stats.decisions == {"dismissed": 1}
        assert row.reasons == [("Not clinically relevant", 1)]
        assert row.dismissed_percent == "100 %"
        assert dict(row.current)["Dismissed"] == 1

    def test_other_clinics_reviews_do_not_count(self, client_for, clinician, stranger, caseload):
        elsewhere = Screening.objects.get(patient=caseload.elsewhere)
        services.review_finding(
            finding=elsewhere.findings.get(rule_id="META-01a"),
            reviewed_by=stranger,
            state="dismissed",
            dismissal_reason="erroneous",
        )
        row = self.stats(client_for(clinician), "META-01a")
        assert row.stats.decisions == {"acknowledged": 1}

    def test_page_has_a_chart_and_the_rule_text(self, client_for, clinician, caseload):
        text = client_for(clinician).get(GOVERNANCE).text
        assert 'role="img"' in text
        assert "by rule and current review state" in text
        assert "No TSH is recorded in the last 12 months." in text

    def test_runs_the_same_queries_for_3_and_30_patients(
        self, client_for, clinician, clinic, django_assert_max_num_queries
    ):
        client = client_for(clinician)
        add_screened_patients(clinic, clinician, 3)
        few = queries_of(client, GOVERNANCE, {}, django_assert_max_num_queries, GOVERNANCE_QUERIES)
        add_screened_patients(clinic, clinician, 27)
        assert queries_of(client, GOVERNANCE, {}, django_assert_max_num_queries, GOVERNANCE_QUERIES) == few


#: session, user, permissions (2), clinics, the four governance queries, navigation clinics, session save (3).
GOVERNANCE_QUERIES = 13
