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


def test_the_workshop_official_names_come_before_the_parameters_corrections(tmp_path, monkeypatch):
    """Every chapter names an institution through the wording engine's overrides: the workshop's
    official name (in the worksheets' language, and the translations it gives) comes first; a
    language it does not give keeps the parameters' translation for that institution."""
    import shutil

    from mpanalysis.decisions import write_decisions
    from mpanalysis.paths import find_project_root
    from mpanalysis.wording import name_entities
    from mpanalysis.wording.names import load_name_overrides

    repo = find_project_root()
    root = tmp_path / "project"
    (root / "params").mkdir(parents=True)
    shutil.copy(repo / "pyproject.toml", root / "pyproject.toml")
    (root / "data").symlink_to(repo / "data")
    (root / "params" / "SEN.yaml").write_text(
        "country: SEN\nlanguages: [fr, en]\nentity_names:\n  SEN-ANSD:\n    name: {en: Statistics Agency}\n"
        "  Ministère des Affaires étrangères:\n    name: {en: Ministry of Foreign Affairs}\n", encoding="utf-8")
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    entities = make_example_dataset().entities
    before = name_entities(entities, load_name_overrides("SEN"), "en")
    assert str(before["SEN-MAE"]).startswith("Ministry of Foreign Affairs")
    write_decisions(Decisions(country="SEN", workshop={"lang": "fr", "names": [
        {"entity_id": "SEN-ANSD", "official_name": "Agence nationale de la statistique et de la démographie",
         "acronym": "ANSD"},
        {"entity_id": "SEN-MAE", "official_name": "Ministère de l’Intégration africaine et des Affaires étrangères",
         "translations": {"en": "Ministry of African Integration and Foreign Affairs"}}]}))
    names = {lang: {k: str(v) for k, v in name_entities(entities, load_name_overrides("SEN"), lang).items()}
             for lang in ("fr", "en")}
    assert names["fr"]["SEN-ANSD"].startswith("Agence nationale de la statistique et de la démographie")
    assert names["en"]["SEN-ANSD"].startswith("Statistics Agency")  # the parameters' translation stays
    assert names["fr"]["SEN-MAE"].startswith("Ministère de l’Intégration africaine")
    assert names["en"]["SEN-MAE"].startswith("Ministry of African Integration and Foreign Affairs")
