from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .presenters import rule_catalogue_groups
from .rules import RULESET_VERSION


@require_GET
def rule_catalogue(request):
    return render(
        request,
        "screening/catalogue.html",
        {"groups": rule_catalogue_groups(), "ruleset_version": RULESET_VERSION},
    )
