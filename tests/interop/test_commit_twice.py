"""An upload committed twice at once (a double-click on Import, a retry): the second request is told it was
already imported, and every row is written once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.urls import reverse

from interop import csv_labs, services
from interop.models import ImportBatch
from patients.models import LabReport, LabResult
from tests import factories
from tests.interop.test_csv_import import GOOD, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staged(client_for, clinician, clinic):
    factories.make_patient(clinic=clinic, mrn="A1", sex="male", birth_date=dt.date(1970, 1, 1))
    factories.make_patient(clinic=clinic, mrn="A2")
    client = client_for(clinician)
    upload(client, clinic, GOOD)
    batch = ImportBatch.objects.get()
    plan = client.get(reverse("interop:preview", args=[batch.code])).context["plan"]
    return client, batch, plan


def commit_as_the_first_request(batch: ImportBatch, plan, user) -> None:
    with services.committing(batch) as locked:
        count = csv_labs.commit_csv_import(plan=plan, user=user)
        services.finish_batch(batch=locked, patient=None, summary={"labs": count, "patients": 2})


def test_committing_a_batch_committed_meanwhile_raises_already_imported(staged, clinician):
    _, batch, plan = staged
    commit_as_the_first_request(batch, plan, clinician)
    with pytest.raises(services.AlreadyImported), services.committing(batch):
        pytest.fail("the block must not run")
    assert LabResult.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a second connection writing at the same time")
@pytest.mark.django_db(transaction=True)
def test_second_commit_at_the_same_moment_is_told_it_was_already_imported(staged, clinician):
    client, batch, plan = staged
    first_holds_lock, release = threading.Event(), threading.Event()

    def first_request():
        try:
            with services.committing(batch) as locked:
                count = csv_labs.commit_csv_import(plan=plan, user=clinician)
                services.finish_batch(batch=locked, patient=None, summary={"labs": count, "patients": 2})
                first_holds_lock.set()
                release.wait(10)
        finally:
            connections.close_all()

    first = threading.Thread(target=first_request)
    first.start()
    assert first_holds_lock.wait(10)
    # The second request finds the batch uncommitted and its rows not yet imported, then waits for the lock.
    timer = threading.Timer(1.0, release.set)
    timer.start()
    response = client.post(reverse("interop:commit", args=[batch.code]), {"plan_digest": plan.digest})
    first.join()
    timer.cancel()

    assert response.status_code == 302 and response["Location"] == reverse("patients:list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["This upload has already been imported."]
    assert LabResult.objects.count() == 4 and LabReport.objects.count() == 2
