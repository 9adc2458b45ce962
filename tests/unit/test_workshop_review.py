"""The authority's review copy and sheet (mpanalysis.workshop.review): the full guide as the last
build saved it, chapter V included from the second edition on, every passage numbered once."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.document import BulletList, Callout, Chapter, Paragraph, Section, write_chapter
from mpanalysis.paths import find_project_root
from mpanalysis.publish.assemble import CHAPTER_KEYS
from mpanalysis.publish.editions import EditionSnapshot, EntityRecord, save_edition

TITLES = {"sources": "Sources", "policy_cycle": "Network", "mp_process": "Process", "recommendations": "Recommendations"}


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project whose SEN was built in English (four small saved chapters), reference data linked."""
    repo = find_project_root()
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(repo / "pyproject.toml", root / "pyproject.toml")
    (root / "data").symlink_to(repo / "data")
    (root / "params").mkdir()
    (root / "params" / "SEN.yaml").write_text("country: SEN\nlanguages: [en, fr]\n", encoding="utf-8")
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    work = root / "outputs" / "SEN" / "work" / "en"
    for number, key in zip(("I", "II", "III", "IV"), CHAPTER_KEYS):
        write_chapter(Chapter(number=number, key=key, title=TITLES[key], blocks=[
            Paragraph(text=f"What chapter {number} says."), Callout(kind="finding", text=f"A finding of {number}.")],
            sections=[Section(title="Details", blocks=[BulletList(items=["One.", "Two."])])]),
            work / "chapters" / f"{key}.json")

    from mpanalysis.analysis.profile.examples import make_example_dataset
    from mpanalysis.decisions import Decisions
    from mpanalysis.params import CountryParams

    def load_context(country, lang, **_):
        return ChapterContext(make_example_dataset(), CountryParams(country="SEN", languages=["en", "fr"]), lang,
                              Decisions(country="SEN"))

    monkeypatch.setattr("mpanalysis.guide.chapters.base.load_chapter_context", load_context)
    return root


def _snapshot(number_of_entities: int) -> EditionSnapshot:
    return EditionSnapshot(country="SEN", date=dt.date(2025, 1 + number_of_entities, 1), created_at="",
                           fingerprint=f"answers-{number_of_entities}", package_version="0",
                           entities=[EntityRecord(entity_id=f"SEN-{i}", name=f"Institution {i}", is_respondent=True)
                                     for i in range(number_of_entities)])


def _review_copy(lang="en"):
    from mpanalysis.workshop.review import assemble_review_guide, build_review_sheet, number_review_units

    guide, units = number_review_units(assemble_review_guide("SEN", lang, dt.date(2025, 6, 1)))
    return guide, units, build_review_sheet(guide, units)


def test_the_first_edition_is_reviewed_without_chapter_v(project):
    save_edition(_snapshot(2), project / "outputs" / "SEN" / "editions")
    guide, units, sheet = _review_copy()
    # the opening first, unnumbered, then the chapters whose passages are numbered
    assert [c.number for c in guide.chapters if c.is_numbered] == ["I", "II", "III", "IV"] and guide.version == "1"
    # every paragraph, finding and list of chapters and annexes numbered ¶ 1…¶ N, in reading order
    rows = sheet.sheets[0].rows
    assert [r["number"] for r in rows] == list(range(1, len(units) + 1))
    assert rows[0]["text"] == "What chapter I says." and rows[1]["kind"] == "finding"
    chapter_i = next(c for c in guide.chapters if c.number == "I")
    assert chapter_i.blocks[0].text == "[¶\u00a01] What chapter I says."
    assert not any(b.text.startswith("[¶") for c in guide.chapters if not c.is_numbered
                   for b in c.blocks if hasattr(b, "text"))
    assert any(r["location"].startswith("A.") for r in rows)  # the annexes are reviewed too


def test_from_the_second_edition_on_the_review_copy_has_chapter_v(project):
    editions = project / "outputs" / "SEN" / "editions"
    save_edition(_snapshot(2), editions)
    save_edition(_snapshot(3), editions)
    guide, _units, sheet = _review_copy()
    assert [c.number for c in guide.chapters if c.is_numbered] == ["I", "II", "III", "IV", "V"] and guide.version == "2"
    in_v = [r for r in sheet.sheets[0].rows if r["location"].startswith("V.")]
    assert in_v and "1 new institution" in in_v[0]["text"]


def _fill_review_sheet(path: Path, rows: dict[int, dict[str, str]]) -> None:
    """Fill the review sheet by passage number: ``{number: {column code: value}}``."""
    import openpyxl

    from mpanalysis.workshop.texts import t

    wb = openpyxl.load_workbook(path)
    ws = wb[t("review.sheet", "en")]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        number = row[header.index(t("review.columns.number", "en"))].value
        for code, value in rows.get(number, {}).items():
            row[header.index(t(f"review.columns.{code}", "en"))].value = value
    wb.save(path)


def _write_sheet(tmp_path: Path) -> Path:
    from mpanalysis.workshop.sheets import write_workbook

    return write_workbook(_review_copy()[2], tmp_path / "review.xlsx")


def test_a_review_sheet_with_mistakes_is_refused_whole_with_each_located(project, tmp_path):
    from mpanalysis.decisions import WorksheetError, decisions_path
    from mpanalysis.workshop.review import read_review_sheet

    save_edition(_snapshot(2), project / "outputs" / "SEN" / "editions")
    sheet = _write_sheet(tmp_path)
    _fill_review_sheet(sheet, {1: {"decision": "rewrite"}, 2: {"decision": "edit"}, 3: {"new_text": "New words."}})
    with pytest.raises(WorksheetError) as caught:
        read_review_sheet("SEN", sheet)
    message = str(caught.value)
    assert "review.xlsx, sheet 'Review', row 2, column 'Decision': 'rewrite' is not one of the choices" in message
    assert "row 3, column 'New text': an edit needs its new text" in message
    assert "row 4, column 'Decision': choose a decision for the new text written" in message
    assert not decisions_path("SEN").exists()


def test_the_authority_edits_and_deletions_apply_and_a_changed_passage_is_reported_not_edited(project, tmp_path):
    from mpanalysis.decisions import load_decisions
    from mpanalysis.guide.document import read_chapter
    from mpanalysis.guide.review import apply_review_decisions
    from mpanalysis.workshop.review import read_review_sheet, record_endorsement

    save_edition(_snapshot(2), project / "outputs" / "SEN" / "editions")
    sheet = _write_sheet(tmp_path)
    _fill_review_sheet(sheet, {1: {"decision": "edit", "new_text": "What the authority says."},
                               2: {"decision": "delete"}, 3: {"decision": "accept"}})
    result = read_review_sheet("SEN", sheet, today=dt.date(2025, 7, 1))
    assert [line.split(":")[-1].strip() for line in result.changes] == ["edit", "delete"]
    record_endorsement("SEN", "National Committee", dt.date(2025, 7, 2))
    decisions = load_decisions("SEN")
    assert decisions.endorsement.authority == "National Committee" and decisions.reviews[0].files[0].file == "review.xlsx"

    work = project / "outputs" / "SEN" / "work" / "en" / "chapters"
    chapter = read_chapter(work / "sources.json")
    [out], report = apply_review_decisions([chapter], decisions.get_review("en"))
    assert [getattr(b, "text", None) for b in out.blocks] == ["What the authority says."]  # the finding deleted
    # new answers: chapter I says something else; the edit no longer applies, and is said so
    rebuilt = chapter.model_copy(update={"blocks": [Paragraph(text="What chapter I says now."), *chapter.blocks[1:]]})
    [out], report = apply_review_decisions([rebuilt], decisions.get_review("en"))
    assert out.blocks[0].text == "What chapter I says now." and len(out.blocks) == 1
    assert [(d.number, d.decision) for d in report.not_applied] == [(1, "edit")]
