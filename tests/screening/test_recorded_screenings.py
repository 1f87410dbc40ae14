"""Recorded screenings: immutable records, append-only reviews with carry-over, print view and PDF."""

import dataclasses
import datetime as dt
import io
import sys
import types
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from patients import roles
from patients import services as patient_services
from screening import services
from screening.models import (
    FindingReview,
    ImmutableRecordError,
    ReviewState,
    Screening,
    ScreeningFinding,
    SummaryAccess,
)
from screening.rules import registry
from tests import factories
from tests.patients import PATIENT_PAGE_QUERIES

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def screened(patient, clinician):
    """A patient with a prediabetes-range HbA1c, a low vitamin D and a positive PHQ-9 item 9, screened once."""
    factories.add_labs(
        patient, ("hba1c", "6.1", "%"), ("vitamin_d", "15", "ng/mL"), collected_on=today() - dt.timedelta(days=10)
    )
    patient_services.record_scale_score(
        patient=patient, instrument="phq9", administered_on=today(), items=[2, 2, 2, 1, 1, 1, 1, 1, 1]
    )
    return services.record_screening(patient=patient, recorded_by=clinician)


def finding(screening, rule_id) -> ScreeningFinding:
    return screening.findings.get(rule_id=rule_id)


def current_state(finding_row) -> str:
    review = finding_row.reviews.order_by("-reviewed_at", "-pk").first()
    return review.state if review else ReviewState.OPEN


class TestRecording:
    def test_stores_snapshot_result_and_one_row_per_finding(self, screened):
        assert screened.ruleset_version == registry.RULESET_VERSION
        assert screened.snapshot["patient"]["sex"] == "female"
        rule_ids = {f["rule_id"] for f in screened.result["findings"]}
        assert {"META-01a", "NUTR-05b", "HORM-05"} <= rule_ids
        assert set(screened.findings.values_list("rule_id", flat=True)) == rule_ids
        assert screened.finding_count == len(rule_ids)
        assert all(n["rule_id"] for n in screened.result["not_evaluable"])
        assert len(screened.content_hash) == 64

    def test_is_never_updated_or_deleted(self, screened):
        screened.ruleset_version = "tampered"
        with pytest.raises(ImmutableRecordError):
            screened.save()
        with pytest.raises(ImmutableRecordError):
            screened.delete()
        row = screened.findings.first()
        with pytest.raises(ImmutableRecordError):
            row.save()

    def test_a_new_screening_is_a_new_record(self, screened, patient, clinician):
        second = services.record_screening(patient=patient, recorded_by=clinician)
        assert second.pk != screened.pk
        assert Screening.objects.filter(patient=patient).count() == 2

    def test_old_records_render_unchanged_after_a_rule_changes(self, screened, client_for, clinician, monkeypatch):
        url = screened.get_absolute_url()
        before = client_for(clinician).get(url).text
        changed = dataclasses.replace(registry.RULES_BY_ID["META-01a"], version=99, message="Changed wording.")
        monkeypatch.setattr(registry, "RULES", tuple(changed if r.id == "META-01a" else r for r in registry.RULES))
        monkeypatch.setattr(registry, "RULESET_VERSION", "2099.1.1")
        after = client_for(clinician).get(url).text
        assert "META-01a v1" in after
        assert "v99" not in after
        strip = lambda page: page.split('name="csrfmiddlewaretoken"')[0]  # noqa: E731
        assert strip(before) == strip(after)


class TestReview:
    def test_state_changes_are_new_rows_with_history(self, screened, clinician):
        row = finding(screened, "META-01a")
        services.review_finding(finding=row, reviewed_by=clinician, state=ReviewState.ACKNOWLEDGED, note="seen")
        services.review_finding(
            finding=row, reviewed_by=clinician, state=ReviewState.FOLLOW_UP, follow_up="fasting glucose ordered"
        )
        assert [r.state for r in row.reviews.order_by("reviewed_at", "pk")] == ["acknowledged", "follow_up"]

    def test_dismissal_needs_a_reason(self, screened, clinician):
        with pytest.raises(services.ReviewError) as error:
            services.review_finding(finding=finding(screened, "META-01a"), reviewed_by=clinician, state="dismissed")
        assert error.value.code == "reason_required"

    def test_other_reason_needs_a_note(self, screened, clinician):
        with pytest.raises(services.ReviewError) as error:
            services.review_finding(
                finding=finding(screened, "META-01a"),
                reviewed_by=clinician,
                state="dismissed",
                dismissal_reason="other",
            )
        assert error.value.code == "note_required"

    def test_safety_finding_cannot_be_dismissed_without_a_note(self, screened, clinician):
        row = finding(screened, "HORM-05")
        with pytest.raises(services.ReviewError) as error:
            services.review_finding(
                finding=row, reviewed_by=clinician, state="dismissed", dismissal_reason="already_addressed"
            )
        assert error.value.code == "safety_note_required"
        services.review_finding(
            finding=row,
            reviewed_by=clinician,
            state="dismissed",
            dismissal_reason="already_addressed",
            note="Risk assessed today; safety plan in place.",
        )
        assert current_state(row) == "dismissed"

    def test_review_form_shows_field_errors_and_keeps_input(self, screened, client_for, clinician):
        row = finding(screened, "HORM-05")
        url = reverse("screening:review", args=[screened.code, row.pk])
        response = client_for(clinician).post(
            url, {f"f{row.pk}-state": "dismissed", f"f{row.pk}-dismissal_reason": "not_relevant"}
        )
        assert response.status_code == 400
        assert "can be dismissed only with a note" in response.text
        assert not row.reviews.exists()

    def test_an_open_finding_offers_no_decision_and_saving_none_records_nothing(self, screened, client_for, clinician):
        row = finding(screened, "NUTR-05b")
        client = client_for(clinician)
        page = client.get(screened.get_absolute_url()).text
        assert " checked" not in page.split(f'id="finding-{row.rule_id}"')[1].split("</form>")[0]
        url = reverse("screening:review", args=[screened.code, row.pk])
        assert client.post(url, {}).status_code == 400
        response = client.post(url, {f"f{row.pk}-state": "open"})
        assert response.status_code == 400
        assert "The finding is open: choose a decision." in response.text
        assert not row.reviews.exists()

    def test_a_reviewed_finding_can_be_reopened(self, screened, clinician):
        row = finding(screened, "NUTR-05b")
        services.review_finding(finding=row, reviewed_by=clinician, state="acknowledged")
        services.review_finding(finding=row, reviewed_by=clinician, state="open")
        assert current_state(row) == "open"
        with pytest.raises(services.ReviewError, match="choose a decision"):
            services.review_finding(finding=row, reviewed_by=clinician, state="open")

    def test_review_via_the_page(self, screened, client_for, clinician):
        row = finding(screened, "NUTR-05b")
        url = reverse("screening:review", args=[screened.code, row.pk])
        response = client_for(clinician).post(
            url, {f"f{row.pk}-state": "dismissed", f"f{row.pk}-dismissal_reason": "patient_declined"}
        )
        assert response.status_code == 302
        assert current_state(row) == "dismissed"


class TestCarryOver:
    def test_unchanged_finding_keeps_its_review(self, screened, patient, clinician):
        services.review_finding(
            finding=finding(screened, "META-01a"), reviewed_by=clinician, state="acknowledged", note="seen"
        )
        second = services.record_screening(patient=patient, recorded_by=clinician)
        carried = finding(second, "META-01a").reviews.get()
        assert carried.state == "acknowledged"
        assert carried.carried_over_from.finding.screening == screened

    def test_finding_with_new_inputs_reopens(self, screened, patient, clinician):
        services.review_finding(finding=finding(screened, "META-01a"), reviewed_by=clinician, state="acknowledged")
        factories.add_labs(patient, ("hba1c", "6.2", "%"), collected_on=today())
        second = services.record_screening(patient=patient, recorded_by=clinician)
        assert current_state(finding(second, "META-01a")) == ReviewState.OPEN

    def test_open_findings_stay_open(self, screened, patient, clinician):
        second = services.record_screening(patient=patient, recorded_by=clinician)
        assert not FindingReview.objects.filter(finding__screening=second).exists()


class TestPatientPageComparison:
    def test_shows_new_data_and_new_findings_since_last_screening(self, screened, patient, client_for, clinician):
        client = client_for(clinician)
        page = client.get(patient.get_absolute_url()).text
        assert "No change since the last recorded screening" in page
        factories.add_labs(patient, ("tsh", "12", "m[IU]/L"), collected_on=today())
        page = client.get(patient.get_absolute_url()).text
        assert "New or changed data" in page
        assert "New finding: THY-01b" in page

    def test_record_button_records_and_redirects(self, patient, client_for, clinician):
        response = client_for(clinician).post(reverse("screening:record", args=[patient.code]))
        screening = Screening.objects.get(patient=patient)
        assert response.status_code == 302
        assert response["Location"] == screening.get_absolute_url()


class TestAccess:
    def urls(self, screening):
        row = screening.findings.first()
        return {
            "detail": (reverse("screening:detail", args=[screening.code]), "get"),
            "print": (reverse("screening:print", args=[screening.code]), "get"),
            "pdf": (reverse("screening:pdf", args=[screening.code]), "get"),
            "review": (reverse("screening:review", args=[screening.code, row.pk]), "post"),
            "record": (reverse("screening:record", args=[screening.patient.code]), "post"),
        }

    def test_anonymous_is_redirected_to_login(self, client, screened):
        for url, method in self.urls(screened).values():
            response = getattr(client, method)(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url

    def test_other_clinic_gets_404(self, client_for, stranger, screened):
        client = client_for(stranger)
        for url, method in self.urls(screened).values():
            assert getattr(client, method)(url).status_code == 404, url

    def test_wrong_method_gets_405(self, client_for, clinician, screened):
        client = client_for(clinician)
        for url, method in self.urls(screened).values():
            wrong = client.post if method == "get" else client.get
            assert wrong(url).status_code == 405, url

    def test_read_only_reviewer_sees_but_cannot_review(self, client_for, clinic, screened):
        reviewer = factories.make_user(clinic=clinic, role=roles.REVIEWER)
        client = client_for(reviewer)
        assert client.get(screened.get_absolute_url()).status_code == 200
        row = screened.findings.first()
        response = client.post(
            reverse("screening:review", args=[screened.code, row.pk]), {f"f{row.pk}-state": "acknowledged"}
        )
        assert response.status_code == 403


class TestStaging:
    def test_detail_and_print_show_the_mgh_score_with_its_items(self, client_for, clinician, patient):
        for drug, start in (("sertraline", dt.date(2025, 1, 6)), ("venlafaxine", dt.date(2025, 4, 7))):
            factories.make_trial(
                patient,
                drug=drug,
                daily_dose_mg=Decimal("150"),
                start=start,
                end=start + dt.timedelta(days=56),
                outcome="no_response",
                improvement_pct=10,
            )
        screening = services.record_screening(patient=patient, recorded_by=clinician)
        assert screening.result["trd"]["mgh"]["score"] == 2.0
        client = client_for(clinician)
        detail = " ".join(client.get(screening.get_absolute_url()).text.split())
        assert "MGH staging score" in detail
        assert "Failed adequate trials: 2 trials of at least 6 weeks at an adequate dose (2)" in detail
        printed = " ".join(client.get(reverse("screening:print", args=[screening.code])).text.split())
        assert "MGH staging score: <strong>2</strong>" in printed

    def test_a_screening_recorded_before_the_mgh_score_says_so(self, screened, client_for, clinician):
        result = dict(screened.result, trd={k: v for k, v in screened.result["trd"].items() if k != "mgh"})
        Screening.objects.filter(pk=screened.pk).update(result=result, ruleset_version="2026.11.1")
        page = client_for(clinician).get(screened.get_absolute_url()).text
        assert "Not computed when this screening was recorded" in page

    def test_no_failed_trial_means_not_applicable(self, screened, client_for, clinician):
        assert screened.result["trd"]["mgh"] is None
        page = client_for(clinician).get(screened.get_absolute_url()).text
        assert "Not applicable: no failed adequate antidepressant trial of at least 6 weeks." in page


class TestPrintAndPdf:
    def test_print_view_has_header_findings_sources_and_disclaimer(self, screened, client_for, clinician, patient):
        response = client_for(clinician).get(reverse("screening:print", args=[screened.code]))
        page = response.text
        assert response.status_code == 200
        assert patient.mrn in page
        assert "not diagnoses" in page
        assert "ADA Standards of Care 2025" in page
        assert screened.content_hash in page
        assert "Signature" in page
        assert SummaryAccess.objects.filter(screening=screened, kind="print", user=clinician).count() == 1

    def test_print_view_names_the_settings_used_in_the_settings_form_words(self, client_for, clinician, patient):
        clinic = patient.clinic
        clinic.screening_options = {"failure_definition": "lt50", "homa_ir_cutoff": 3.0, "adequate_trial_weeks": 4}
        clinic.save(update_fields=["screening_options"])
        factories.add_labs(patient, ("hba1c", "6.1", "%"), collected_on=today())
        screening = services.record_screening(patient=patient, recorded_by=clinician)

        page = " ".join(client_for(clinician).get(reverse("screening:print", args=[screening.code])).text.split())

        settings_line = page[page.index("Settings used:") :].split("</p>")[0]
        assert "Adequate trial duration: 4 weeks at an adequate dose (EU-PEARL / ATHF);" in settings_line
        assert "Trial failure: Failure = improvement below 50 % (classic non-response);" in settings_line
        assert "HOMA-IR cut-off: HOMA-IR ≥ 3.0;" in settings_line
        assert "TG/HDL ratio: TG/HDL ≥ 3.0 for everyone (McLaughlin 2003; default);" in settings_line
        assert "EPDS: EPDS ≥ 13 probable depression, 10-12 possible (default)." in settings_line
        for internal in ("failure_definition", "lt50", "ethnicity_idf", "overall_3.0", "min_dose_overrides"):
            assert internal not in settings_line, internal

    def test_pdf_names_the_settings_used_in_words(self, screened, client_for, clinician):
        response = client_for(clinician).get(reverse("screening:pdf", args=[screened.code]))
        text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())
        assert "Trial failure: Failure = improvement below 25 % (EU-PEARL; default)" in text
        assert "failure_definition" not in text

    def test_pdf_is_valid_and_contains_the_summary(self, screened, client_for, clinician, patient):
        response = client_for(clinician).get(reverse("screening:pdf", args=[screened.code]))
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        squashed = " ".join(text.split())
        assert patient.mrn in squashed
        assert "not diagnoses" in squashed
        for row in screened.findings.all():
            assert row.rule_id in squashed
        assert "ADA Standards of Care 2025" in squashed
        assert screened.content_hash[:16] in squashed.replace(" ", "")
        assert SummaryAccess.objects.filter(screening=screened, kind="pdf").count() == 1

    def test_special_characters_and_long_names_do_not_break_the_pdf(self, clinic, clinician, client_for):
        patient = factories.make_patient(
            clinic=clinic,
            given_name="Zoë <script>alert(1)</script>",
            family_name="O'Brien-Nguyễn-" + "Wolfeschlegelsteinhausenbergerdorff" * 3,
        )
        factories.add_labs(patient, ("tsh", "12", "m[IU]/L"), collected_on=today())
        screening = services.record_screening(patient=patient, recorded_by=clinician)
        client = client_for(clinician)
        page = client.get(reverse("screening:print", args=[screening.code])).text
        assert "<script>alert(1)</script>" not in page
        response = client.get(reverse("screening:pdf", args=[screening.code]))
        reader = PdfReader(io.BytesIO(response.content))
        assert "Zoë" in reader.pages[0].extract_text()

    @pytest.mark.parametrize("missing", ["package", "system library"])
    def test_pdf_without_weasyprint_says_so_and_offers_the_print_view(
        self, screened, client_for, clinician, monkeypatch, caplog, missing
    ):
        if missing == "package":
            monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails: ImportError
        else:
            unloadable = types.ModuleType("weasyprint")

            def load(name):  # what cffi raises when Pango is not installed
                raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")

            unloadable.__getattr__ = load
            monkeypatch.setitem(sys.modules, "weasyprint", unloadable)
        response = client_for(clinician).get(reverse("screening:pdf", args=[screened.code]))
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert "The PDF could not be made" in response.text
        assert reverse("screening:print", args=[screened.code]) in response.text
        assert not SummaryAccess.objects.filter(screening=screened, kind="pdf").exists()
        assert "PDF summary unavailable" in caplog.text

    def test_letter_paper_is_available(self, screened, client_for, clinician):
        response = client_for(clinician).get(reverse("screening:pdf", args=[screened.code]), {"paper": "letter"})
        box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == (612, 792)


class TestPatientPageWithReviews:
    def test_live_findings_show_the_review_of_the_last_recorded_screening(
        self, screened, patient, client_for, clinician
    ):
        services.review_finding(
            finding=finding(screened, "META-01a"), reviewed_by=clinician, state="acknowledged", note="Discussed diet."
        )
        page = client_for(clinician).get(patient.get_absolute_url()).text
        assert "Acknowledged by Casey Doctor" in page
        assert "Discussed diet." in page

    @pytest.mark.parametrize("screenings", [1, 4])
    def test_patient_page_queries_stay_fixed(
        self, screened, patient, client_for, clinician, django_assert_max_num_queries, screenings
    ):
        for _ in range(screenings - 1):
            last = services.record_screening(patient=patient, recorded_by=clinician)
            for row in last.findings.all():
                services.review_finding(finding=row, reviewed_by=clinician, state="acknowledged")
        client = client_for(clinician)
        with django_assert_max_num_queries(PATIENT_PAGE_QUERIES + 1):  # + the last screening's reviews
            response = client.get(patient.get_absolute_url())
        assert response.status_code == 200

    def test_labs_table_links_the_findings_that_used_each_result(self, screened, patient, client_for, clinician):
        page = client_for(clinician).get(patient.get_absolute_url()).text
        assert 'href="#finding-META-01a"' in page
