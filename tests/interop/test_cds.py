"""CDS Hooks: discovery, the patient-view hook on prefetched FHIR data, feedback, and token authentication."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from interop import cds, services
from interop.models import CdsCard, CdsClient, CdsFeedback
from tests.interop import examples as ex

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(clinic):
    _, token = services.create_cds_client(name="Ward EHR", clinic=clinic)
    return token


def auth(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def hook_request(**prefetch) -> dict:
    return {
        "hook": "patient-view",
        "hookInstance": str(uuid.uuid4()),
        "fhirServer": "https://ehr.example/fhir",
        "context": {"userId": "Practitioner/example", "patientId": "example"},
        "prefetch": {"patient": ex.patient(), **prefetch},
    }


def searchset(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {
                "fullUrl": f"https://ehr.example/fhir/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def post(client, body, token, service="trd-screening"):
    url = reverse("cds:cds_hook", kwargs={"service_id": service})
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **auth(token))


def clinical_request() -> dict:
    subject = "Patient/example"
    return hook_request(
        labs=searchset(
            ex.lab("4548-4", 6.1, "%", when=days_ago(10), subject=subject, ident="a1c"),
            ex.lab("1988-5", 3, "mg/L", comparator="<", when=days_ago(10), subject=subject, ident="crp"),
            ex.lab("14685-3", 150, "pmol/L", when=days_ago(10), subject=subject, ident="b12"),
            ex.lab("2345-7", 6.3, "mmol/L", when=days_ago(10), subject=subject, ident="glu"),
            ex.lab("4548-4", 48, "%", when=days_ago(400), subject=subject, ident="mixup"),
        ),
        phq9=searchset(ex.phq9_panel([2, 2, 2, 1, 1, 1, 1, 1, 2], when=days_ago(1), subject=subject)),
        medications=searchset(ex.sertraline_statement(subject=subject)),
    )


class TestDiscovery:
    def test_lists_the_patient_view_service_with_prefetch(self, client, token):
        response = client.get(reverse("cds:cds_services"), **auth(token))
        assert response.status_code == 200
        (service,) = response.json()["services"]
        assert service["hook"] == "patient-view" and service["id"] == "trd-screening"
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
        assert service["prefetch"]["labs"] == "Observation?patient={{context.patientId}}&category=laboratory"
        assert "44249-1" in service["prefetch"]["phq9"]
        assert service["prefetch"]["medications"] == "MedicationStatement?patient={{context.patientId}}"

    def test_paths_are_the_specifications(self):
        assert reverse("cds:cds_services") == "/cds-services"
        assert reverse("cds:cds_hook", kwargs={"service_id": "x"}) == "/cds-services/x"
        assert reverse("cds:cds_feedback", kwargs={"service_id": "x"}) == "/cds-services/x/feedback"


class TestAuthentication:
    @pytest.mark.parametrize(
        "header",
        [None, "Bearer", "Bearer cds_wrong-token-0123456789", "Basic dXNlcjpwYXNz", "Token x"],
    )
    def test_no_access_without_a_valid_token(self, client, token, header):
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        for response in (
            client.get(reverse("cds:cds_services"), **extra),
            client.post(
                reverse("cds:cds_hook", kwargs={"service_id": "trd-screening"}),
                "{}",
                content_type="application/json",
                **extra,
            ),
            client.post(
                reverse("cds:cds_feedback", kwargs={"service_id": "trd-screening"}),
                "{}",
                content_type="application/json",
                **extra,
            ),
        ):
            assert response.status_code == 401
            assert response.json() == {"error": "a valid bearer token is required"}
            assert response["WWW-Authenticate"].startswith("Bearer")

    def test_deactivated_client_is_refused(self, client, token):
        CdsClient.objects.update(is_active=False)
        assert client.get(reverse("cds:cds_services"), **auth(token)).status_code == 401

    def test_only_a_hash_is_stored(self, token):
        stored = CdsClient.objects.get()
        assert token not in (stored.token_hash, stored.token_prefix) and len(stored.token_hash) == 64
        assert services.authenticate_cds_client(token) == stored
        assert services.authenticate_cds_client(token[:-1] + ("A" if token[-1] != "A" else "B")) is None

    def test_wrong_method_gets_405(self, client, token):
        assert client.post(reverse("cds:cds_services"), **auth(token)).status_code == 405
        for name in ("cds:cds_hook", "cds:cds_feedback"):
            url = reverse(name, kwargs={"service_id": "trd-screening"})
            assert client.get(url, **auth(token)).status_code == 405

    def test_command_prints_the_token_once(self, clinic, capsys):
        call_command("create_cds_client", "Clinic EHR", "--clinic", clinic.name)
        token = capsys.readouterr().out.strip().splitlines()[-1]
        assert services.authenticate_cds_client(token).name == "Clinic EHR"


class TestPatientView:
    def test_cards_from_prefetched_data(self, client, token):
        response = post(client, clinical_request(), token)
        assert response.status_code == 200
        cards = response.json()["cards"]
        assert cards and all(len(card["summary"]) < 140 for card in cards)
        assert all(uuid.UUID(card["uuid"]) for card in cards)
        assert len({card["uuid"] for card in cards}) == len(cards)
        assert {card["indicator"] for card in cards} <= {"info", "warning", "critical"}
        safety = cards[0]
        assert safety["indicator"] == "critical" and "PHQ-9" in safety["detail"]
        hba1c = next(card for card in cards if "HbA1c 6.1" in card["summary"])
        assert hba1c["indicator"] == "warning"
        assert "Threshold:" in hba1c["detail"] and hba1c["source"]["label"]
        assert {r["code"] for r in hba1c["overrideReasons"]} == {
            "not_relevant",
            "already_addressed",
            "erroneous",
            "patient_declined",
            "other",
        }
        quality = cards[-1]
        assert quality["indicator"] == "info" and "could not be used" in quality["summary"]
        assert "mmol/mol" in quality["detail"]
        assert CdsCard.objects.filter(rule_id="META-01a").count() == 1

    def test_same_rules_as_the_engine_on_imported_data(self, client, token, clinic, clinician):
        """The cards name exactly the findings of the patient imported from the same FHIR data."""
        from interop.fhir.reader import Entry, read_entries
        from interop.fhir.snapshot import snapshot_from
        from screening.rules import evaluate

        body = clinical_request()
        cards = post(client, body, token).json()["cards"]
        entries = [Entry("patient", "", body["prefetch"]["patient"])]
        for key in ("labs", "phq9", "medications"):
            entries += [Entry(key, e["fullUrl"], e["resource"]) for e in body["prefetch"][key]["entry"]]
        parsed = read_entries(entries, today=timezone.localdate(), patient_reference="Patient/example")
        result = evaluate(
            snapshot_from(parsed, sex="female", birth_date=dt.date(1974, 12, 25)), as_of=timezone.localdate()
        )
        assert [c["summary"] for c in cards[:-1]] == [cds.summary(f.title) for f in result.findings]

    def test_missing_prefetch_is_412_and_summary_is_capped(self, client, token):
        body = hook_request()
        del body["prefetch"]
        response = post(client, body, token)
        assert response.status_code == 412 and "prefetch" in response.json()["error"]
        assert len(cds.summary("x" * 300)) == 139

    @pytest.mark.parametrize(
        ("mutate", "field"),
        [
            pytest.param(lambda b: "{not json", "request", id="malformed"),
            pytest.param(lambda b: [], "request", id="array"),
            pytest.param(lambda b: {**b, "hook": "order-select"}, "hook", id="other-hook"),
            pytest.param(lambda b: {**b, "context": {}}, "context.patientId", id="no-patient-id"),
            pytest.param(
                lambda b: {k: v for k, v in b.items() if k != "hookInstance"}, "hookInstance", id="no-instance"
            ),
            pytest.param(
                lambda b: {**b, "prefetch": {"patient": ex.glucose_mg_dl()}}, "prefetch.patient", id="not-patient"
            ),
            pytest.param(lambda b: {**b, "prefetch": {**b["prefetch"], "labs": [1]}}, "prefetch.labs", id="labs-list"),
        ],
    )
    def test_bad_request_gets_400_json(self, client, token, mutate, field):
        response = post(client, mutate(hook_request()), token)
        assert response.status_code == 400
        assert response.json()["error"].startswith(field)

    def test_unknown_service_is_404(self, client, token):
        assert post(client, hook_request(), token, service="nope").status_code == 404

    def test_patient_without_birth_date_gets_one_notice(self, client, token):
        body = hook_request()
        del body["prefetch"]["patient"]["birthDate"]
        (card,) = post(client, body, token).json()["cards"]
        assert card["indicator"] == "info" and "birth date" in card["summary"]


class TestFeedback:
    def test_feedback_is_stored_against_the_card_and_rule(self, client, token):
        cards = post(client, clinical_request(), token).json()["cards"]
        card = next(c for c in cards if "HbA1c" in c["summary"])
        feedback = {
            "feedback": [
                {
                    "card": card["uuid"],
                    "outcome": "overridden",
                    "overrideReason": {"reason": {"code": "already_addressed", "system": "x"}, "userComment": "seen"},
                    "outcomeTimestamp": "2026-11-20T10:00:00Z",
                }
            ]
        }
        url = reverse("cds:cds_feedback", kwargs={"service_id": "trd-screening"})
        response = client.post(url, json.dumps(feedback), content_type="application/json", **auth(token))
        assert response.status_code == 200
        stored = CdsFeedback.objects.get()
        assert (stored.outcome, stored.override_reason, stored.card.rule_id) == (
            "overridden",
            "already_addressed",
            "META-01a",
        )

    @pytest.mark.parametrize(
        "item",
        [
            {"card": "not-a-uuid", "outcome": "accepted", "outcomeTimestamp": "2026-11-20T10:00:00Z"},
            {"card": str(uuid.uuid4()), "outcome": "accepted", "outcomeTimestamp": "2026-11-20T10:00:00Z"},
            {"card": str(uuid.uuid4()), "outcome": "maybe", "outcomeTimestamp": "2026-11-20T10:00:00Z"},
            {"card": str(uuid.uuid4()), "outcome": "accepted", "outcomeTimestamp": "yesterday"},
        ],
    )
    def test_bad_feedback_gets_400(self, client, token, item):
        url = reverse("cds:cds_feedback", kwargs={"service_id": "trd-screening"})
        response = client.post(url, json.dumps({"feedback": [item]}), content_type="application/json", **auth(token))
        assert response.status_code == 400 and "feedback[0]" in response.json()["error"]
        assert CdsFeedback.objects.count() == 0

    def test_cards_of_another_client_are_not_accepted(self, client, token, clinic):
        cards = post(client, clinical_request(), token).json()["cards"]
        _, other = services.create_cds_client(name="Other EHR", clinic=clinic)
        item = {"card": cards[0]["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-11-20T10:00:00Z"}
        url = reverse("cds:cds_feedback", kwargs={"service_id": "trd-screening"})
        response = client.post(url, json.dumps({"feedback": [item]}), content_type="application/json", **auth(other))
        assert response.status_code == 400


def test_request_over_the_size_limit_gets_413(client, token):
    from interop.fhir.reader import MAX_BUNDLE_BYTES

    body = json.dumps({**hook_request(), "padding": "x" * MAX_BUNDLE_BYTES})
    response = post(client, body, token)
    assert response.status_code == 413 and "larger than 5 MB" in response.json()["error"]
