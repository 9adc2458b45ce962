"""The workshop's decisions as the guide shows them: the agreed severities beside the measured
ones in the problem/solution matrix (table III.3)."""

from __future__ import annotations

import pytest

from mpanalysis.analysis.profile.examples import make_example_dataset
from mpanalysis.decisions import Decisions, apply_decisions_to_params
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.mp_process import EVIDENCE_BLOCK_IDS, build_mp_process_chapter
from mpanalysis.guide.document import Table, iter_blocks
from mpanalysis.params import CountryParams

AGREED = {"fr": "Sévérité retenue à l’atelier (0–3)", "en": "Severity agreed at the workshop (0–3)"}
MEAN = {"fr": "Sévérité moyenne (0–3)", "en": "Mean severity (0–3)"}
CHALLENGE = {"fr": "Difficulté", "en": "Challenge"}


def _matrix(decisions: Decisions, lang: str) -> Table:
    params = apply_decisions_to_params(CountryParams(country="SEN"), decisions)
    chapter = build_mp_process_chapter(ChapterContext(make_example_dataset(), params, lang, decisions)).chapter
    return next(b for b in iter_blocks(chapter) if getattr(b, "id", None) == EVIDENCE_BLOCK_IDS["table III.3"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_matrix_shows_the_severity_the_workshop_agreed_beside_the_measured_one(lang):
    from mpanalysis.reference import get_labels

    decisions = Decisions(country="SEN", workshop={"problems": [
        {"challenge": "use", "severity": 3}, {"challenge": "understanding", "severity": 0,
                                              "solutions": [{"fr": "Un glossaire", "en": "A glossary"}]}]})
    table = _matrix(decisions, lang)
    columns = list(table.columns)
    assert columns.index(AGREED[lang]) == columns.index(MEAN[lang]) + 1
    labels = get_labels("challenges", lang)
    rows = {row[columns.index(CHALLENGE[lang])]: row for row in table.rows}
    use, understanding, update = rows[labels["use"]], rows[labels["understanding"]], rows[labels["update"]]
    assert (use[columns.index(MEAN[lang])], use[columns.index(AGREED[lang])]) == (2.0, 3)
    assert understanding[columns.index(AGREED[lang])] == 0  # zero is an answer, not a blank
    assert update[columns.index(AGREED[lang])] is None  # not discussed: left blank
    assert {"fr": "Un glossaire", "en": "A glossary"}[lang] in understanding[columns.index(
        {"fr": "Solutions", "en": "Solutions"}[lang])]
    assert any(AGREED[lang].split(" (")[0] in note for note in table.notes)


def test_without_agreed_severities_the_matrix_has_no_such_column():
    table = _matrix(Decisions(country="SEN"), "en")
    assert AGREED["en"] not in table.columns and len(table.notes) == 1
