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
    assert [c.number for c in guide.chapters] == ["I", "II", "III", "IV"] and guide.version == "1"
    # every paragraph, finding and list of chapters and annexes numbered ¶ 1…¶ N, in reading order
    rows = sheet.sheets[0].rows
    assert [r["number"] for r in rows] == list(range(1, len(units) + 1))
    assert rows[0]["text"] == "What chapter I says." and rows[1]["kind"] == "finding"
    assert guide.chapters[0].blocks[0].text == "[¶\u00a01] What chapter I says."
    assert any(r["location"].startswith("A.") for r in rows)  # the annexes are reviewed too


def test_from_the_second_edition_on_the_review_copy_has_chapter_v(project):
    editions = project / "outputs" / "SEN" / "editions"
    save_edition(_snapshot(2), editions)
    save_edition(_snapshot(3), editions)
    guide, _units, sheet = _review_copy()
    assert [c.number for c in guide.chapters] == ["I", "II", "III", "IV", "V"] and guide.version == "2"
    in_v = [r for r in sheet.sheets[0].rows if r["location"].startswith("V.")]
    assert in_v and "1 new institution" in in_v[0]["text"]
