"""RxNorm ingredient codes (RXCUI, term type IN) of the catalogue's antidepressants.

Only codes checked against a published ingredient table (CPIC's drug list, which keys drugs by RxNorm
ingredient RXCUI) are listed. The other catalogue antidepressants (trazodone, desvenlafaxine, vilazodone,
levomilnacipran, milnacipran, nefazodone, agomelatine, maprotiline, amoxapine, the MAOIs, selegiline
transdermal) and every clinical-drug code (SCD/SBD, e.g. "sertraline 50 MG Oral Tablet") are matched by
their text instead (:func:`interop.fhir.reader.match_drug_text`), never guessed from a code.
"""

from __future__ import annotations

from types import MappingProxyType

SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"

#: RXCUI -> catalogue key of :data:`screening.rules.drugs.ANTIDEPRESSANTS`.
ANTIDEPRESSANT_INGREDIENTS = MappingProxyType(
    {
        "704": "amitriptyline",
        "42347": "bupropion",
        "2556": "citalopram",
        "2597": "clomipramine",
        "3247": "desipramine",
        "3638": "doxepin",
        "72625": "duloxetine",
        "321988": "escitalopram",
        "4493": "fluoxetine",
        "42355": "fluvoxamine",
        "5691": "imipramine",
        "15996": "mirtazapine",
        "7531": "nortriptyline",
        "32937": "paroxetine",
        "8886": "protriptyline",
        "36437": "sertraline",
        "10834": "trimipramine",
        "39786": "venlafaxine",
        "1455099": "vortioxetine",
    }
)

#: Catalogue key -> RXCUI, for the export (controlled-release forms share the ingredient's code).
CODE_FOR_DRUG = MappingProxyType(
    {
        **{drug: code for code, drug in ANTIDEPRESSANT_INGREDIENTS.items()},
        "fluvoxamine_cr": "42355",
        "paroxetine_cr": "32937",
    }
)
