"""Import a FHIR R4 Bundle for one patient into a clinic, with the same reading, checks and commit as the
web import: the patient is matched by MRN or registered, already-imported resources are skipped, and
everything is written in one transaction or not at all. ``--dry-run`` prints the plan only.

The printed plan names each unusable entry and why; reasons about a value quote it (as the web preview
does), so treat the output as patient data.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from ...fhir.reader import MAX_BUNDLE_BYTES, BundleError
from ...services import ImportConflict, commit_fhir_import, plan_fhir_import
from ._clinics import find_clinic


class Command(BaseCommand):
    help = "Import a FHIR R4 Bundle (JSON) for one patient into a clinic."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the Bundle (JSON).")
        parser.add_argument("--clinic", required=True, help="Clinic name or code.")
        parser.add_argument("--entered-by", help="Username recorded as having entered the results.")
        parser.add_argument("--dry-run", action="store_true", help="Show what would be imported; write nothing.")

    def handle(self, *args, file, clinic, entered_by=None, dry_run=False, **options):
        clinic_obj = find_clinic(clinic)
        user = None
        if entered_by:
            try:
                user = get_user_model().objects.get(username=entered_by)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user {entered_by!r}") from None
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise CommandError(f"{file}: larger than the {MAX_BUNDLE_BYTES // (1024 * 1024)} MB limit")
        try:
            plan = plan_fhir_import(clinic=clinic_obj, content=path.read_bytes())
        except BundleError as error:
            raise CommandError("the bundle cannot be read:\n" + "\n".join(f"  {p}" for p in error.problems)) from None
        self.report(plan)
        if plan.errors:
            raise CommandError("nothing imported: " + "; ".join(plan.errors))
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        if not plan.can_commit:
            self.stdout.write("Nothing new to import.")
            return
        try:
            patient = commit_fhir_import(plan=plan, user=user)
        except (ImportConflict, ValidationError, IntegrityError) as error:
            raise CommandError(f"nothing imported: {type(error).__name__}") from None
        self.stdout.write(self.style.SUCCESS(f"Imported into patient {patient.code}."))

    def report(self, plan) -> None:
        if plan.new_patient is not None:
            self.stdout.write(f"Patient: new, MRN {plan.new_patient.mrn}")
        elif plan.patient is not None:
            self.stdout.write(f"Patient: existing {plan.patient.code} (matched by MRN)")
        self.stdout.write(
            f"To import: {len(plan.labs)} lab results, {len(plan.trials)} trials, {len(plan.scores)} PHQ-9 scores, "
            f"{len(plan.conditions)} conditions{', the current episode' if plan.episode else ''}"
        )
        if plan.skipped:
            self.stdout.write(f"Not imported ({len(plan.skipped)}):")
            for problem in plan.skipped:
                self.stdout.write(f"  {problem.path} {problem.resource}: {problem.reason}")
