"""Every demo country's guides as a coordinator opens them: the brief PDF is at most six pages and
opens with the key messages; every full guide has its key messages, foreword and "how to use this
guide" before chapter I (read with pdftotext, as a reader's tool sees them).

Every demo country is built in both languages (HTML and PDF, public edition): about ten minutes,
so the test runs with ``-m slow``. The same checks run on one country in test_guides.py.
"""

from __future__ import annotations

import shutil

import pytest
from conftest import copy_project
from guide_fixtures import find_pages_of_part_openings_only, find_part_start_pages, normalise_space, read_pdf_pages

from mpanalysis.batch.run import run_countries
from mpanalysis.batch.job import BuildOptions
from mpanalysis.guide.texts import get_chapter_text
from mpanalysis.ingest.demo.config import list_demo_countries
from mpanalysis.params import load_params

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")]

COUNTRIES = list_demo_countries()
LANGS = ("fr", "en")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = copy_project(tmp_path_factory.mktemp("front") / "project", COUNTRIES)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPANALYSIS_ROOT", str(root))
        options = BuildOptions(langs=LANGS, editions=("public",), lengths=("full", "brief"),
                               formats=("html", "pdf"), today="2025-11-20")
        results = run_countries(COUNTRIES, options, workers=2, show_progress=False)
        assert [r.status for r in results] == ["built"] * len(COUNTRIES), [r.message for r in results]
        yield root, {c: load_params(c) for c in COUNTRIES}


def _headings(lang: str) -> list[str]:
    return [normalise_space(get_chapter_text(f"front.{key}.title", lang))
            for key in ("key_messages", "foreword", "how_to_use")]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("country", COUNTRIES)
def test_brief_pdf_is_at_most_six_pages_and_opens_with_the_key_messages(built, country, lang):
    root, _ = built
    pages = read_pdf_pages(root / "outputs" / country / "guides" / f"{country}_guide_{lang}_public_brief.pdf")
    assert len(pages) <= 6, f"{country} {lang}: the brief has {len(pages)} pages"
    key_messages, foreword, how_to_use = _headings(lang)
    second = normalise_space(pages[1])
    assert key_messages in second and foreword not in second and how_to_use not in second
    assert normalise_space(pages[2]).count(foreword) >= 1
    brief = root / "outputs" / country / "guides" / f"{country}_guide_{lang}_public_brief"
    assert not find_pages_of_part_openings_only(brief.with_suffix(".pdf"), brief.with_suffix(".html"))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("country", COUNTRIES)
def test_full_guide_has_key_messages_foreword_and_how_to_use_before_chapter_one(built, country, lang):
    root, params = built
    pages = [normalise_space(p) for p in
             read_pdf_pages(root / "outputs" / country / "guides" / f"{country}_guide_{lang}_public_full.pdf")]
    chapter_one = normalise_space(f"I. {get_chapter_text('sources.title', lang)}")
    key_messages, foreword, how_to_use = _headings(lang)
    starts = find_part_start_pages(tuple(pages), [*_headings(lang), chapter_one])
    assert set(starts) == {key_messages, foreword, how_to_use, chapter_one}, starts
    # each part of the opening holds on its one page
    assert [starts[h] for h in (key_messages, foreword, how_to_use, chapter_one)] == \
        list(range(starts[key_messages], starts[key_messages] + 4)), starts
    foreword_page = pages[starts[foreword] - 1]
    if params[country].foreword is not None:
        assert params[country].foreword.signatory in foreword_page
    else:  # a draft without one says where it goes
        # (a file path may break across lines after its slash)
        assert not params[country].endorsement.is_final and f"params/{country}.yaml" in foreword_page.replace("/ ", "/")
