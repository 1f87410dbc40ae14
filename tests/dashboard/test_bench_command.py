"""The dashboard benchmark runs end to end on a small population (figures are not asserted)."""

import io

import pytest
from django.core.management import CommandError, call_command

from screening.models import FindingReview, Screening
from tests import factories

pytestmark = pytest.mark.django_db


def test_measures_rescreen_and_every_page_without_writing(clinic):
    for _ in range(3):
        factories.make_patient(clinic=clinic)
    out = io.StringIO()
    call_command("bench_dashboard", "--runs", "1", "--no-write", stdout=out)
    text = out.getvalue()
    assert "first recording" in text and "re-recording, reviews carried over" in text
    assert "| Dashboard overview |" in text and "| Alert governance |" in text
    assert Screening.objects.count() == 6
    assert FindingReview.objects.filter(carried_over_from__isnull=False).exists()


def test_needs_patients():
    with pytest.raises(CommandError, match="No patients"):
        call_command("bench_dashboard", "--no-write", stdout=io.StringIO())
