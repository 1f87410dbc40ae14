from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class CodeForm(forms.Form):
    """A six-digit code from an authenticator app. Spaces are ignored (apps often show "123 456")."""

    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isascii() or not code.isdigit():
            raise ValidationError("Enter the six digits the app shows.", code="code_format")
        return code
