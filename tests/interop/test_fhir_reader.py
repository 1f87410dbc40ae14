"""The FHIR reader on its own: R4 validation, the entry gates, dates, PHQ-9 forms, medicines (no database)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from interop.fhir.reader import MAX_BUNDLE_BYTES, BundleError, PatientFacts, decode_json, match_drug_text, read_bundle
from tests.interop import examples as ex

TODAY = dt.date(2025, 6, 1)


def read(data: dict, **kwargs):
    return read_bundle(decode_json(json.dumps(data)), today=TODAY, **kwargs)


def problem_codes(parsed) -> dict[str, str]:
    return {p.where: p.code for p in parsed.problems}


class TestWholeBundle:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            pytest.param("{", "file: malformed JSON at line 1", id="malformed"),
            pytest.param("[]", "resourceType: the file is not a JSON object", id="array"),
            pytest.param('{"resourceType": "Observation"}', 'resourceType: is "Observation"', id="not-a-bundle"),
            pytest.param('{"resourceType": "Bundle", "entry": []}', "type: ", id="no-type"),
            pytest.param(
                '{"resourceType": "Bundle", "type": "collection"}', "entry: the bundle has no entries", id="empty"
            ),
            pytest.param('{"resourceType": "Bundle", "type": "bogus", "entry": []}', "type: ", id="bad-type"),
            pytest.param(
                '{"resourceType": "Bundle", "type": "collection", "entry": {}}', "entry: is not a list", id="entry"
            ),
        ],
    )
    def test_refuses_with_field_specific_message(self, text, expected):
        with pytest.raises(BundleError) as caught:
            read_bundle(decode_json(text), today=TODAY)
        assert caught.value.problems[0].startswith(expected)

    def test_refuses_a_file_over_the_size_limit(self):
        with pytest.raises(BundleError, match="problem") as caught:
            decode_json(b" " * (MAX_BUNDLE_BYTES + 1))
        assert "5 MB limit" in caught.value.problems[0]

    def test_refuses_non_utf8(self):
        with pytest.raises(BundleError):
            decode_json("{}".encode("utf-16"))

    def test_refuses_two_patients(self):
        data = ex.bundle(ex.patient("2", pid="two"), with_patient=ex.patient("1"))
        with pytest.raises(BundleError, match="problem") as caught:
            read(data)
        assert "2 Patient resources" in caught.value.problems[0]


class TestLabs:
    def test_reads_the_ehr_bundle(self):
        parsed = read(ex.ehr_bundle())
        assert parsed.patient.mrn == "12345" and parsed.patient.sex == "female"
        assert parsed.patient.birth_date == dt.date(1974, 12, 25)
        assert not parsed.problems
        by_id = {lab.resource: lab for lab in parsed.labs}
        glucose_mg = by_id["Observation/glu-1"]
        assert (glucose_mg.value, glucose_mg.unit, glucose_mg.canonical_value) == (Decimal(98), "mg/dL", 98.0)
        assert (glucose_mg.reference_low, glucose_mg.reference_high) == (Decimal(70), Decimal(99))
        glucose_mmol = by_id["Observation/f001"]
        assert glucose_mmol.unit == "mmol/L" and glucose_mmol.canonical_value == pytest.approx(113.5008)
        assert glucose_mmol.collected_on == dt.date(2025, 3, 1) and glucose_mmol.collected_at == dt.time(8, 30)
        assert glucose_mmol.source_identifier == "http://acme-lab.example/results|f001"
        crp = by_id["Observation/crp-lt"]
        assert (crp.comparator, crp.value, crp.canonical_value) == ("<", Decimal(3), 3.0)
        b12 = by_id["Observation/b12"]
        assert b12.unit == "pmol/L" and b12.canonical_value == pytest.approx(203.25) and b12.canonical_unit == "pg/mL"

    def test_local_date_is_kept_as_written(self):
        parsed = read(ex.bundle(ex.glucose_mg_dl(when="2025-02-01T23:30:00-05:00"), with_patient=ex.patient()))
        assert parsed.labs[0].collected_on == dt.date(2025, 2, 1)

    @pytest.mark.parametrize(
        ("resource", "code", "field"),
        [
            pytest.param(ex.lab("4548-4", 48, "%"), "unit_mixup", "valueQuantity.value", id="hba1c-48-percent"),
            pytest.param(ex.lab("2345-7", 5000, "mg/dL"), "implausible", "valueQuantity.value", id="glucose-5000"),
            pytest.param(ex.lab("2345-7", 5.5, "mol/L"), "unit_not_accepted", "valueQuantity.unit", id="unit"),
            pytest.param(
                ex.lab("2345-7", 98, "mg/dL", when="2025-02"), "missing_date", "effectiveDateTime", id="partial"
            ),
            pytest.param(ex.lab("2345-7", 98, "mg/dL", when="2026-02-01"), "date", "effectiveDateTime", id="future"),
            pytest.param(ex.lab("2951-2", 140, "mmol/L"), "unknown_code", "code", id="sodium-not-screened"),
            pytest.param(ex.lab("8302-2", 170, "cm"), "not_imported", "code", id="height"),
            pytest.param(ex.lab("2345-7", 98, "mg/dL", status="preliminary"), "not_final", "status", id="preliminary"),
            pytest.param(
                ex.lab("2345-7", 98, "mg/dL", subject="Patient/someone-else"), "other_patient", "subject", id="other"
            ),
            pytest.param(ex.lab("2345-7", 98.123456, "mg/dL"), "invalid", "valueQuantity.value", id="decimals"),
        ],
    )
    def test_reports_an_unusable_result_with_its_reason(self, resource, code, field):
        parsed = read(ex.bundle(ex.glucose_mg_dl(), resource, with_patient=ex.patient()))
        assert len(parsed.labs) == 1
        (problem,) = parsed.problems
        assert (problem.where, problem.code, problem.field) == ("entry[2]", code, field)
        assert problem.reason

    def test_gates_use_the_known_patients_sex(self):
        testosterone = ex.lab("2986-8", 20, "ng/dL")  # in the nmol/L mix-up zone, for men only
        assert not read(ex.bundle(testosterone), known=PatientFacts("female", dt.date(1980, 1, 1))).problems
        parsed = read(ex.bundle(testosterone), known=PatientFacts("male", dt.date(1980, 1, 1)))
        assert parsed.problems[0].code == "confirm_unit"

    def test_value_without_quantity_and_absent_value(self):
        text = ex.lab("2345-7", 1, "mg/dL")
        del text["valueQuantity"]
        text["valueString"] = "<5"
        absent = ex.lab("2345-7", 1, "mg/dL", ident="absent")
        del absent["valueQuantity"]
        absent["dataAbsentReason"] = {"text": "specimen haemolysed"}
        parsed = read(ex.bundle(text, absent, with_patient=ex.patient()))
        assert [p.code for p in parsed.problems] == ["no_value", "no_value"]
        assert "haemolysed" in parsed.problems[1].reason

    def test_wrong_and_invalid_resources_are_reported_not_dropped(self):
        data = ex.bundle(
            {"resourceType": "Encounter", "id": "e1", "status": "finished", "class": {"code": "AMB"}},
            {"resourceType": "NoSuchThing"},
            {"resourceType": "Observation", "code": {"text": "no status"}},
            with_patient=ex.patient(),
        )
        data["entry"].append({"fullUrl": "urn:uuid:x"})
        parsed = read(data)
        assert problem_codes(parsed) == {
            "entry[1]": "wrong_resource_type",
            "entry[2]": "wrong_resource_type",
            "entry[3]": "invalid",
            "entry[4]": "invalid",
        }
        assert "status" in parsed.problems[2].reason

    def test_reference_range_in_another_unit_is_converted(self):
        resource = ex.lab("2345-7", 100, "mg/dL")
        resource["referenceRange"] = [{"low": {"value": 3.9, "code": "mmol/L", "system": ex.UCUM}}]
        parsed = read(ex.bundle(resource, with_patient=ex.patient()))
        assert parsed.labs[0].reference_low == Decimal("70.2624")
        assert any("converted" in note for note in parsed.labs[0].notes)

    def test_fasting_glucose_code_documents_fasting(self):
        parsed = read(ex.bundle(ex.lab("1558-6", 95, "mg/dL"), with_patient=ex.patient()))
        assert parsed.labs[0].fasting == "yes"

    def test_a_resource_given_twice_is_read_once(self):
        parsed = read(ex.bundle(ex.glucose_mg_dl(), ex.glucose_mg_dl(), with_patient=ex.patient()))
        assert len(parsed.labs) == 1 and parsed.problems[0].code == "duplicate"

    def test_without_a_patient_resource_the_first_subject_is_the_patient(self):
        parsed = read(ex.bundle(ex.glucose_mg_dl(), ex.b12_pmol(subject="Patient/2")))
        assert len(parsed.labs) == 1 and parsed.problems[0].code == "other_patient"


class TestPhq9:
    ITEMS = [2, 2, 1, 1, 1, 1, 1, 1, 1]

    def test_panel_with_components(self):
        (score,) = read(ex.bundle(ex.phq9_panel(self.ITEMS), with_patient=ex.patient())).scores
        assert score.items == tuple(self.ITEMS) and score.total == 11 and score.administered_on == dt.date(2025, 3, 2)

    def test_total_that_is_not_the_sum_is_refused(self):
        parsed = read(ex.bundle(ex.phq9_panel(self.ITEMS, total=20), with_patient=ex.patient()))
        assert not parsed.scores and "not the sum" in parsed.problems[0].reason

    def test_questionnaire_response_with_loinc_link_ids_and_answer_codes(self):
        (score,) = read(ex.bundle(ex.phq9_response(self.ITEMS), with_patient=ex.patient())).scores
        assert score.items == tuple(self.ITEMS)

    def test_total_only_observation(self):
        total = ex.lab("44261-6", 14, "{score}")
        del total["valueQuantity"]
        total["valueInteger"] = 14
        (score,) = read(ex.bundle(total, with_patient=ex.patient())).scores
        assert score.items == () and score.total == 14

    def test_panel_with_members(self):
        members = []
        for index, (code, value) in enumerate(zip(ex.PHQ9_ITEM_CODES, self.ITEMS, strict=True)):
            member = ex.lab(code, value, "{score}", ident=f"item-{index}")
            members.append(member)
        panel = ex.phq9_panel(self.ITEMS)
        del panel["component"]
        panel["hasMember"] = [{"reference": f"Observation/item-{index}"} for index in range(9)]
        parsed = read(ex.bundle(panel, *members, with_patient=ex.patient()))
        assert not parsed.problems
        assert parsed.scores[0].items == tuple(self.ITEMS)

    def test_item_outside_a_panel_is_reported(self):
        parsed = read(ex.bundle(ex.lab("44260-8", 1, "{score}"), with_patient=ex.patient()))
        assert parsed.problems[0].code == "unsupported"


class TestMedicines:
    def test_reads_rxnorm_antidepressant_with_daily_dose(self):
        (trial,) = read(ex.bundle(ex.sertraline_statement(), with_patient=ex.patient())).trials
        assert trial.drug == "sertraline"
        assert [(p.daily_dose_mg, p.start, p.end) for p in trial.periods] == [
            (Decimal("100.00"), dt.date(2024, 1, 10), dt.date(2024, 5, 10))
        ]

    def test_twice_daily_dose_and_dose_periods(self):
        statement = ex.sertraline_statement()
        statement["dosage"] = [
            {
                "timing": {
                    "repeat": {"boundsPeriod": {"start": "2024-01-10"}, "frequency": 2, "period": 1, "periodUnit": "d"}
                },
                "doseAndRate": [{"doseQuantity": {"value": 25, "unit": "mg"}}],
            },
            {
                "timing": {"repeat": {"boundsPeriod": {"start": "2024-02-10", "end": "2024-05-10"}, "frequency": 1}},
                "doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg"}}],
            },
        ]
        (trial,) = read(ex.bundle(statement, with_patient=ex.patient())).trials
        assert [(p.daily_dose_mg, p.start, p.end) for p in trial.periods] == [
            (Decimal("50.00"), dt.date(2024, 1, 10), dt.date(2024, 2, 9)),
            (Decimal("100.00"), dt.date(2024, 2, 10), dt.date(2024, 5, 10)),
        ]

    def test_medication_request_by_text(self):
        request = {
            "resourceType": "MedicationRequest",
            "id": "rx1",
            "status": "active",
            "intent": "order",
            "medicationCodeableConcept": {"text": "Venlafaxine XR 150 mg capsule"},
            "subject": {"reference": ex.PATIENT_URL},
            "authoredOn": "2025-01-05",
            "dosageInstruction": [
                {
                    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                    "doseAndRate": [{"doseQuantity": {"value": 150, "unit": "mg"}}],
                }
            ],
        }
        (trial,) = read(ex.bundle(request, with_patient=ex.patient())).trials
        assert trial.drug == "venlafaxine" and trial.start == dt.date(2025, 1, 5) and trial.end is None
        assert "adherence is unknown" in trial.notes[0]

    @pytest.mark.parametrize(
        ("dosage", "reason"),
        [
            pytest.param([], "Has no dosage", id="none"),
            pytest.param([{"doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}], "not mg", id="tablet"),
            pytest.param(
                [{"doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg"}}]}], "no frequency", id="freq"
            ),
            pytest.param(
                [
                    {
                        "timing": {"repeat": {"frequency": 1}},
                        "doseAndRate": [{"doseQuantity": {"value": 1000, "unit": "mg"}}],
                    }
                ],
                "twice the usual maximum",
                id="ten-times",
            ),
        ],
    )
    def test_dose_that_cannot_be_read_is_reported(self, dosage, reason):
        statement = ex.sertraline_statement()
        statement["dosage"] = dosage
        parsed = read(ex.bundle(statement, with_patient=ex.patient()))
        assert not parsed.trials and reason in parsed.problems[0].reason

    def test_other_medicines_are_read_and_unknown_ones_reported(self):
        metformin = ex.sertraline_statement(ident="ms-2")
        metformin["medicationCodeableConcept"] = {"text": "Metformin 500 mg tablet"}
        unknown = ex.sertraline_statement(ident="ms-3")
        unknown["medicationCodeableConcept"] = {"text": "Paracetamol 500 mg"}
        parsed = read(ex.bundle(metformin, unknown, with_patient=ex.patient()))
        assert [m.name for m in parsed.medicines] == ["metformin"]
        assert parsed.problems[0].code == "unknown_code"

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("Sertraline 50 MG Oral Tablet", ("antidepressant", "sertraline")),
            ("PAROXETINE CR 25 mg", ("antidepressant", "paroxetine_cr")),
            ("paroxetine 20 mg", ("antidepressant", "paroxetine")),
            ("Selegiline 6 mg/24 hr transdermal patch", ("antidepressant", "selegiline_transdermal")),
            ("selegiline 5 mg tablet", None),
            ("olanzapine-fluoxetine", ("medicine", "olanzapine_fluoxetine")),
            ("sertraline and citalopram", None),
            ("desertraline", None),
            ("Lithium carbonate 400 mg", ("medicine", "lithium")),
        ],
    )
    def test_drug_text_matching(self, text, expected):
        assert match_drug_text(text) == expected
