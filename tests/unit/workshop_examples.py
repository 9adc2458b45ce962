"""A tiny workshop kit state (four institutions, three findings, two candidate recommendations)
for the worksheet's unit tests, and helpers that fill a worksheet as a working group would."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd

from mpanalysis.analysis.findings import Finding
from mpanalysis.analysis.profile.examples import make_example_dataset
from mpanalysis.decisions import Decisions
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.params import CountryParams
from mpanalysis.workshop.kit import KitState, build_worksheet
from mpanalysis.workshop.sheets import write_workbook

FINDINGS = [
    Finding(id="sources.gap", kind="gap", severity="high", chapter="I", evidence="table I.1",
            text={"fr": "Aucune source sur les crises.", "en": "No source on crises."}),
    Finding(id="network.silent", kind="silent", severity="medium", chapter="II", evidence="figure II.1",
            text={"fr": "Deux producteurs ne partagent rien.", "en": "Two producers share nothing."}),
    Finding(id="profile.aware", kind="aware", severity="info", chapter="III", evidence="table III.1",
            text={"fr": "Trois institutions connaissent le profil.", "en": "Three institutions know the profile."}),
]

RECOMMENDATIONS = pd.DataFrame([
    {"id": "coop.protocols", "number": "R1", "category": "cooperation", "text": "Sign data-sharing protocols.",
     "lead_institution": "Ministère de l’Intérieur (MINT)", "timeframe": "medium", "indicator": "Protocols signed",
     "finding_ids": "network.silent"},
    {"id": "train.users", "number": "R2", "category": "training_hr", "text": "Train the profile's users.",
     "lead_institution": "Agence nationale de la statistique (ANSD)", "timeframe": "short", "indicator": "",
     "finding_ids": "profile.aware"},
])

PROBLEMS = pd.DataFrame([
    {"challenge": "update", "label": "Rare updates", "is_other": "False", "prevalence": "1.0",
     "mean_severity": "3.0", "solutions": "A two-year calendar | A focal point"},
    {"challenge": "use", "label": "Little used", "is_other": "False", "prevalence": "0.75",
     "mean_severity": "2.0", "solutions": ""},
    {"challenge": "other_1", "label": "manque de financement", "is_other": "True", "prevalence": "",
     "mean_severity": "", "solutions": ""},
])


def make_kit_state(lang: str = "en", decisions: Decisions | None = None) -> KitState:
    """Return the kit state of the example country SEN (languages fr and en) in ``lang``."""
    params = CountryParams(country="SEN", languages=["fr", "en"])
    ctx = ChapterContext(make_example_dataset(), params, lang, decisions or Decisions(country="SEN"))
    return KitState(ctx=ctx, findings=list(FINDINGS), recommendations=RECOMMENDATIONS.copy(),
                    problems=PROBLEMS.copy(), chapters=[], decisions=decisions or Decisions(country="SEN"))


def write_example_worksheet(path: Path, lang: str = "en", state: KitState | None = None) -> Path:
    """Write the example worksheet to ``path`` and return it."""
    return write_workbook(build_worksheet(state or make_kit_state(lang)), path)


def fill_rows(path: Path, sheet: str, rows: dict[str, dict[str, object]]) -> dict[str, int]:
    """Fill cells by row key (first column) and column header; return each key's row number."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    found = {}
    for row in ws.iter_rows(min_row=2):
        key = None if row[0].value is None else str(row[0].value)
        if key in rows:
            found[key] = row[0].row
            for column, value in rows[key].items():
                row[header.index(column)].value = value
    assert set(found) == set(rows), f"rows not found in {sheet}: {set(rows) - set(found)}"
    wb.save(path)
    return found
