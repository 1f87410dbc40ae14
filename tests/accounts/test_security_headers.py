"""Content Security Policy and the other security headers, and templates that keep to the policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from screening import charts

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict_policy(response) -> None:
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in csp.values() for value in values)


def test_the_login_page_carries_a_strict_content_security_policy(client):
    assert_strict_policy(client.get(reverse("login")))


def test_signed_in_pages_carry_a_strict_content_security_policy(client_for, clinician):
    assert_strict_policy(client_for(clinician).get(reverse("patients:list")))


def test_other_security_headers(client):
    response = client.get(reverse("login"))

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_patient_page_with_charts_has_no_inline_style_or_script(client_for, clinician, patient):
    from tests import factories

    factories.make_trial(patient)
    page = client_for(clinician).get(reverse("patients:detail", args=[patient.code])).text

    assert "<svg" in page
    assert not re.search(r"\sstyle\s*=", page)
    assert "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)


# What the policy blocks: inline <script>, event-handler attributes, javascript: URLs, <style> blocks and style
# attributes. Templates and chart code must not use them, or the browser silently drops them.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:|<style\b|\sstyle\s*=",
    re.IGNORECASE,
)


def test_no_template_relies_on_inline_script_or_style():
    offenders = {}
    for path in sorted((ROOT / "templates").rglob("*.html")):
        found = INLINE.findall(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found[:3]
    assert not offenders, offenders


def test_charts_code_writes_no_style_attributes():
    source = Path(charts.__file__).read_text(encoding="utf-8")
    assert not re.search(r"""\bstyle=["']""", source)
