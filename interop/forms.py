"""Upload forms. Validation reads the whole upload once, so a malformed file, a file that is not a FHIR
Bundle or a CSV with a bad header is refused on the form with field-specific messages."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from . import csv_labs
from .fhir.reader import MAX_BUNDLE_BYTES, BundleError
from .services import plan_fhir_import

_MB = 1024 * 1024


def _read(upload, limit: int) -> bytes:
    if upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / _MB:.1f} MB; the limit is {limit // _MB} MB. Split it or export less.",
            code="too_large",
        )
    return upload.read()


def _text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The file is not UTF-8 text.", code="encoding") from None


class FhirUploadForm(forms.Form):
    bundle = forms.FileField(
        label="FHIR R4 Bundle (JSON)",
        help_text=f"A Bundle for one patient, up to {MAX_BUNDLE_BYTES // _MB} MB. Nothing is saved before you confirm.",
    )

    def __init__(self, *args, clinic, patient=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.patient = patient
        self.content = ""

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        content = _text(_read(upload, MAX_BUNDLE_BYTES))
        try:
            plan_fhir_import(clinic=self.clinic, patient=self.patient, content=content)
        except BundleError as error:
            raise ValidationError([ValidationError(p, code="invalid_bundle") for p in error.problems]) from None
        self.content = content
        return upload


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text=f"UTF-8 CSV with the template's columns, up to {csv_labs.MAX_BYTES // _MB} MB and "
        f"{csv_labs.MAX_ROWS} rows. Nothing is saved before you confirm.",
    )

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.content = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        content = _text(_read(upload, csv_labs.MAX_BYTES))
        try:
            csv_labs.plan_csv_import(clinic=self.clinic, content=content)
        except csv_labs.CsvFileError as error:
            raise ValidationError([ValidationError(p, code="invalid_csv") for p in error.problems]) from None
        self.content = content
        return upload


class CommitForm(forms.Form):
    """The digest of the plan the user saw; the commit goes ahead only if the plan is still the same."""

    plan_digest = forms.CharField(max_length=64, min_length=64, widget=forms.HiddenInput)
