"""Notebooks 01→04 executed with papermill on the demo data, as `mpanalysis run` executes them:
chapter III and IV load, and every figure or table chapter IV cites exists in the guide."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mpanalysis.analysis.findings import findings_from_json
from mpanalysis.batch.kernels import CHAPTER_NOTEBOOKS, NotebookFailure, execute_notebook
from mpanalysis.guide.chapters.base import load_chapter_context
from mpanalysis.guide.chapters.mp_process import EVIDENCE_BLOCK_IDS
from mpanalysis.guide.document import (
    REF_PATTERN,
    BulletList,
    Guide,
    Paragraph,
    iter_blocks,
    iter_texts,
    number_guide,
    read_chapter,
    resolve_refs,
)
from mpanalysis.paths import list_configured_countries
from mpanalysis.publish.assemble import CHAPTER_KEYS

TITLES = {("mp_process", "fr"): "Le processus du profil migratoire",
          ("mp_process", "en"): "The migration profile process",
          ("recommendations", "fr"): "Recommandations", ("recommendations", "en"): "Recommendations"}


def run_and_check(country: str, lang: str, folder) -> None:
    for name in CHAPTER_NOTEBOOKS:
        execute_notebook(name, folder / "executed" / name,
                         {"country": country, "language": lang, "output_dir": str(folder)})
    chapters = [read_chapter(folder / "chapters" / f"{key}.json") for key in CHAPTER_KEYS]
    three, four = chapters[2], chapters[3]
    assert (three.number, three.title) == ("III", TITLES["mp_process", lang])
    assert (four.number, four.title) == ("IV", TITLES["recommendations", lang])

    # the guide validates every {ref:id}: chapter IV only cites blocks that exist
    guide = Guide(country=country, country_name=country, lang=lang, title="Guide", date=dt.date(2025, 1, 1),
                  chapters=chapters)
    numbering = number_guide(guide)
    cited = {m.group(2) for text in iter_texts(four) for m in REF_PATTERN.finditer(text)}
    assert cited, "chapter IV cites no figure or table"
    assert cited <= set(numbering.labels)
    # chapter III's blocks carry the numbers its findings cite
    for key, block_id in EVIDENCE_BLOCK_IDS.items():
        if block_id in numbering.labels:
            assert numbering.numbers[block_id] == key.split()[1]

    # each recommendation states the finding behind it, with the label its evidence key names
    findings = [f for key in ("sources", "policy_cycle", "mp_process")
                for f in findings_from_json((folder / "findings" / f"{key}.json").read_text(encoding="utf-8"))]
    # each recommendation: a paragraph "R3. …" then the list of its lead, time frame, indicator, evidence
    blocks = list(iter_blocks(four))
    recommendations = [(b, after) for b, after in zip(blocks, blocks[1:]) if isinstance(b, Paragraph)
                       and b.text.split(".")[0][1:].isdigit() and b.text.startswith("R") and isinstance(after, BulletList)]
    assert recommendations
    shown = "\n".join(resolve_refs("\n".join([p.text, *details.items]), numbering) for p, details in recommendations)
    labels = {(numbering.kinds[i], numbering.numbers[i]): numbering.labels[i] for i in numbering.labels}
    n_checked = 0
    for finding in findings:
        sentence = finding.get_text(lang).rstrip(".")
        kind, number = finding.evidence.split()
        if sentence in shown and (kind, number) in labels:
            assert f"{sentence} ({labels[kind, number]})" in shown, finding.id
            n_checked += 1
    assert n_checked, "no recommendation quotes a finding with its figure or table"
    measures = json.loads((folder / "measures" / "recommendations.json").read_text(encoding="utf-8"))
    assert measures["recommendations.n_total"] == len(recommendations)


@pytest.mark.parametrize("lang", ["fr"])
def test_notebooks_01_to_04_run_on_one_demo_country(lang, tmp_path):
    ctx = load_chapter_context("SEN", lang)
    assert ctx.params.workshop.recommendations  # the demo country has workshop recommendations
    run_and_check("SEN", lang, tmp_path / lang)


def test_notebook_04_alone_says_which_notebooks_to_run_first(tmp_path):
    with pytest.raises(NotebookFailure) as failure:
        execute_notebook("04_recommendations.ipynb", tmp_path / "executed.ipynb",
                         {"country": "SEN", "language": "en", "output_dir": str(tmp_path / "empty")})
    assert failure.value.ename == "MpanalysisError"
    assert "01_sources.ipynb, 02_policy_cycle.ipynb, 03_mp_process.ipynb first" in failure.value.evalue


DEMO_COUNTRIES = list_configured_countries()  # not the decisions files (<ISO3>.workshop.yaml)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("country", DEMO_COUNTRIES)
def test_notebooks_01_to_04_run_on_every_demo_country(country, lang, tmp_path):
    run_and_check(country, lang, tmp_path / lang)
