"""Layout checks a unit test cannot make: controls that must show their whole text at common widths."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

from .support import sign_in

pytestmark = pytest.mark.browser

# For each select: the width its chosen option needs (text plus the select's own padding and border) and the
# width it has. A select narrower than its text shows "All categori".
_SELECT_FITS = """
() => [...document.querySelectorAll("form[aria-label='Filter the worklist'] select")].map((select) => {
  const style = getComputedStyle(select);
  const canvas = document.createElement("canvas").getContext("2d");
  canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const text = select.options[select.selectedIndex].text;
  const chrome = ["paddingLeft", "paddingRight", "borderLeftWidth", "borderRightWidth"]
    .reduce((sum, side) => sum + parseFloat(style[side]), 0);
  return {name: select.name, text, needed: Math.ceil(canvas.measureText(text).width + chrome),
          has: select.getBoundingClientRect().width};
})
"""


@pytest.mark.parametrize("width", [1300, 1024, 800, 375])
def test_worklist_filters_show_their_whole_text(page, server, transactional_db, width):
    clinic = factories.make_clinic("Northside Mood Clinic")
    user = factories.make_user(clinic=clinic, first_name="Casey", last_name="Doctor")
    sign_in(page, user, server)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(reverse("dashboard:worklist"))

    selects = page.evaluate(_SELECT_FITS)

    assert {select["name"] for select in selects} == {"category", "severity", "clinician", "sort"}
    cut = [select for select in selects if select["has"] < select["needed"]]
    assert not cut, f"cut off at {width} px: {cut}"
    # Nothing wider than the window (no sideways scrolling on a phone).
    assert page.evaluate("document.documentElement.scrollWidth") <= width
