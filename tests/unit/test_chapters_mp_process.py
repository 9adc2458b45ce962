"""Chapter III as the guide shows it: editions, use, working group, good practices, the
problem/solution matrix and needs, in French and English, built from tiny datasets."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mpanalysis.analysis.profile import load_profile_texts, load_solutions
from mpanalysis.guide.chapters.base import ChapterContext, save_chapter_result
from mpanalysis.guide.chapters.mp_process import EVIDENCE_BLOCK_IDS, build_mp_process_chapter
from mpanalysis.guide.document import (
    REF_PATTERN,
    BulletList,
    Callout,
    Chapter,
    Figure,
    Guide,
    Paragraph,
    iter_blocks,
    iter_texts,
    number_guide,
    read_chapter,
)
from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import make_empty_table
from mpanalysis.params import CountryParams
from mpanalysis.wording.quotes import Marked, split_marked, strip_marks

# entity_id, name, acronym, type, wg_member, wg_coordinator, mp_aware, mp_used, functions
RESPONDENTS = [
    ("SEN-MINT", "Ministère de l'Intérieur", "MINT", "ministry", True, True, True, True, "dialogue policy_programme"),
    ("SEN-ANSD", "Agence nationale de la statistique", "ANSD", "statistics_office", True, False, True, True, "dialogue"),
    ("SEN-MAE", "Ministère des Affaires étrangères", "MAE", "ministry", False, False, True, False, ""),
    ("SEN-ONG", "Caritas", None, "civil_society", False, False, False, None, ""),
]
SEVERITIES = {"understanding": [0, 1, 2, 1], "update": [3, 3, 2, 3], "use": [3, 2, 1, 2],
              "dissemination": [1, 1, 1, 1], "ownership": [0, 0, 0, 1]}


def make_dataset(respondents=RESPONDENTS, good_practice=None, use_example=None, severities=SEVERITIES,
                 needs=(("SEN-MINT", "training"), ("SEN-ANSD", "training"), ("SEN-ONG", "equipment"))) -> CountryDataset:
    n = len(respondents)
    ids = [r[0] for r in respondents]
    table = make_empty_table("respondents").reindex(range(n))
    table["submission_id"] = [f"s{i}" for i in range(n)]
    table["entity_id"] = ids
    table["institution_name"] = [r[1] for r in respondents]
    table["institution_acronym"] = [r[2] for r in respondents]
    table["institution_type"] = [r[3] for r in respondents]
    table["wg_member"] = pd.array([r[4] for r in respondents], dtype="boolean")
    table["wg_coordinator"] = pd.array([r[5] for r in respondents], dtype="boolean")
    table["mp_aware"] = pd.array([r[6] for r in respondents], dtype="boolean")
    table["mp_used"] = pd.array([r[7] for r in respondents], dtype="boolean")
    table["good_practice"] = good_practice or [None] * n
    entities = pd.DataFrame([{"entity_id": r[0], "name": r[1], "acronym": r[2], "institution_type": r[3],
                              "is_respondent": True, "name_variants": ""} for r in respondents]
                            ).reindex(columns=make_empty_table("entities").columns)
    mp_use = pd.DataFrame({"entity_id": ids, "mp_aware": table["mp_aware"], "mp_used": table["mp_used"],
                           "functions": [r[8] for r in respondents], "use_example": use_example or [None] * n})
    challenges = pd.DataFrame([{"entity_id": e, "challenge": c, "severity": s[i], "comment": None}
                               for c, s in severities.items() for i, e in enumerate(ids)],
                              columns=["entity_id", "challenge", "severity", "comment"])
    challenges["severity"] = challenges["severity"].astype("Int64")
    sources = make_empty_table("sources").reindex(range(2))
    sources["source_id"] = ["src1", "src2"]
    sources["entity_id"] = ["SEN-ANSD", "SEN-MINT"]
    sources["domain"] = ["trends", "border_management"]
    sources["status"] = ["existing", "existing"]
    empty = {name: make_empty_table(name) for name in ("flows", "stages", "issues", "counts")}
    return CountryDataset(country="SEN", respondents=table, entities=entities, sources=sources,
                          challenges=challenges, needs=pd.DataFrame(list(needs), columns=["entity_id", "need"]),
                          mp_use=mp_use, **empty)


PROFILE = {"title": "Profil migratoire du Sénégal", "year": 2018, "publisher": "ANSD", "kind": "extended",
           "modules": ["trends", "border_management"]}


def build(lang="fr", dataset=None, **params):
    params.setdefault("reference_year", 2025)
    ctx = ChapterContext(dataset or make_dataset(), CountryParams(country="SEN", **params), lang)
    return build_mp_process_chapter(ctx)


@pytest.fixture(scope="module")
def default_fr():
    """The French chapter of the default dataset, built once: several tests only read it."""
    return build("fr")


@pytest.fixture(scope="module")
def default_en():
    return build("en")


def section(chapter: Chapter, index: int):
    return chapter.sections[index]


def block(chapter: Chapter, block_id: str):
    return next(b for b in iter_blocks(chapter) if getattr(b, "id", None) == block_id)


def texts(part) -> str:
    return "\n".join(iter_texts(part))


# ----------------------------------------------------------------------------------- structure

def test_french_and_english_titles(default_fr, default_en):
    fr, en = default_fr.chapter, default_en.chapter
    assert (fr.number, fr.key, fr.title) == ("III", "mp_process", "Le processus du profil migratoire")
    assert en.title == "The migration profile process"
    assert [s.title for s in en.sections] == [
        "The profile’s content", "Awareness and use of the profile", "The working group and its coordination",
        "Good practices and examples of use", "Challenges and solutions", "Needs expressed"]
    assert fr.sections[4].title == "Difficultés et solutions"


def test_numbering_gives_the_labels_the_findings_cite():
    """profile_findings.yaml cites "table III.3"…: the guide must print that label on that block."""
    chapter = build("fr", profiles=[PROFILE]).chapter
    guide = Guide(country="SEN", country_name="Sénégal", lang="en", title="G", date=dt.date(2025, 1, 1),
                  chapters=[chapter])
    labels = number_guide(guide).labels
    for key, block_id in EVIDENCE_BLOCK_IDS.items():
        kind, number = key.split()
        assert labels[block_id] == f"{kind.capitalize()} {number}", key
    cited = {spec["evidence"] for spec in load_profile_texts()["kinds"].values()}
    assert cited <= set(EVIDENCE_BLOCK_IDS)


def test_every_figure_has_a_text_alternative_and_the_chapter_survives_json(tmp_path):
    result = build("en", profiles=[PROFILE])
    figures = [b for b in iter_blocks(result.chapter) if isinstance(b, Figure)]
    assert {f.id for f in figures} == {"mp_use_by_type", "mp_functions", "mp_challenge_severity"}
    assert all(len(f.alt) > 40 for f in figures)
    save_chapter_result(result, tmp_path)
    assert read_chapter(tmp_path / "chapters" / "mp_process.json") == result.chapter
    assert (tmp_path / "tables" / "mp_process__problem_matrix.csv").is_file()


def test_key_figure_and_matrix_are_kept_in_the_brief_guide(default_fr):
    chapter = default_fr.chapter
    assert block(chapter, "mp_use_by_type").in_brief
    assert block(chapter, "mp_problem_matrix").in_brief
    assert not block(chapter, "mp_functions").in_brief
    brief_texts = [b.text for b in iter_blocks(chapter) if isinstance(b, Paragraph) and b.in_brief]
    assert any("connaissent le profil migratoire" in t for t in brief_texts)


# ----------------------------------------------------------------------------------- content

def test_editions_listed_with_their_modules_and_sources_per_module():
    chapter = build("en", profiles=[PROFILE]).chapter
    content = section(chapter, 0)
    editions = next(b for b in content.blocks if isinstance(b, BulletList))
    assert editions.items == ["Profil migratoire du Sénégal (2018) — Extended profile, published by ANSD; "
                              "modules: Migration trends and Border management."]
    table = block(chapter, "mp_module_sources")
    rows = {row[0]: row for row in table.rows}
    assert rows["Migration trends"][1:4] == ["Profil migratoire du Sénégal", 1, 0]
    assert rows["Migration in crisis situations"][1:4] == ["none", 0, 0]


def test_no_edition_recorded_is_said_once(default_fr):
    content = section(default_fr.chapter, 0)
    text = texts(content)
    assert "Aucune édition du profil migratoire n’est recensée" in text
    assert text.count("Aucune édition") == 1


def test_profile_used_by_nobody_gives_no_functions_figure():
    respondents = [(*r[:7], False, "") for r in RESPONDENTS]
    chapter = build("en", make_dataset(respondents)).chapter
    ids = {getattr(b, "id", None) for b in iter_blocks(chapter)}
    assert "mp_use_by_type" in ids and "mp_functions" not in ids


def test_working_group_table_marks_the_coordinator_and_flags_become_warnings():
    respondents = [RESPONDENTS[0], (*RESPONDENTS[1][:5], True, *RESPONDENTS[1][6:]), *RESPONDENTS[2:]]
    chapter = build("en", make_dataset(respondents)).chapter
    table = block(chapter, "mp_working_group")
    assert table.columns == ["Institution", "Type of institution", "Coordinator", "Answered the questionnaire"]
    coordinators = {row[0] for row in table.rows if row[2] == "Yes"}
    assert coordinators == {"Ministère de l'Intérieur (MINT)", "Agence nationale de la statistique (ANSD)"}
    warnings = [b for b in section(chapter, 2).blocks if isinstance(b, Callout) and b.kind == "warning"]
    assert any("coordination role needs clarifying" in w.text for w in warnings)


def test_good_practices_workshop_first_then_answers_with_the_institution_named():
    dataset = make_dataset(good_practice=["Comité mensuel", None, "comité mensuel.", None],
                           use_example=[None, "Note au ministre", None, None])
    chapter = build("fr", dataset, workshop={"good_practices": [{"fr": "Bulletin trimestriel", "en": "Quarterly bulletin"}]}).chapter
    lists = [b.items for b in section(chapter, 3).blocks if isinstance(b, BulletList)]
    assert lists[0] == ["Bulletin trimestriel"]
    # the same practice written twice is shown once, with both institutions
    # institutions as the guide names them; the answer as a quotation (« » in French)
    assert [strip_marks(i, "fr") for i in lists[1]] == [
        "Ministère de l'Intérieur (MINT) et Ministère des Affaires étrangères (MAE) : «\u00a0Comité mensuel\u00a0»"]
    assert [strip_marks(i, "fr") for i in lists[2]] == ["Agence nationale de la statistique (ANSD) : «\u00a0Note au ministre\u00a0»"]
    assert split_marked(lists[1][0])[-1] == Marked("quote", "fr", "Comité mensuel")


def test_planted_markup_and_formulas_in_a_good_practice_stay_plain_text(tmp_path):
    planted = '<script>alert(1)</script> =HYPERLINK("http://x.example","clic") {ref:mp_needs}'
    dataset = make_dataset(good_practice=[planted, None, None, None])
    result = build("en", dataset)
    items = [i for b in iter_blocks(result.chapter) if isinstance(b, BulletList) for i in b.items]
    shown = next(i for i in items if "HYPERLINK" in i)
    # quoted as plain text, typing debris (tags) cleaned for display: the renderers escape it
    # and no citation can be forged from an answer
    assert 'alert(1) =HYPERLINK("http://x.example","clic")' in shown and "<script>" not in shown
    assert not REF_PATTERN.search(shown)
    save_chapter_result(result, tmp_path)
    csv = (tmp_path / "tables" / "mp_process__good_practices.csv").read_text(encoding="utf-8-sig")
    assert "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
    assert "<script>alert(1)</script>" in csv  # the raw answer stays in the open data


def test_matrix_shows_workshop_solutions_when_given_and_suggested_ones_otherwise():
    workshop = {"problems": [{"challenge": "update", "solutions": [{"fr": "Calendrier biennal", "en": "Two-year calendar"}]}]}
    table = block(build("en", workshop=workshop).chapter, "mp_problem_matrix")
    assert table.columns[:2] == ["Rank", "Challenge"]
    rows = {row[1]: row for row in table.rows}
    assert rows["Rarely updated"][:4] == [1, "Rarely updated", 4, 2.75]  # the most pressing
    assert rows["Rarely updated"][-2:] == ["Two-year calendar", "Retained at the workshop"]
    suggested = load_solutions()["ownership"][0]["en"]
    assert suggested in rows["Insufficient national ownership"][-2]
    assert rows["Insufficient national ownership"][-1] == "Suggested"


def test_matrix_in_french_and_severity_figure_in_rank_order(default_fr):
    chapter = default_fr.chapter
    table = block(chapter, "mp_problem_matrix")
    assert table.rows[0][:2] == [1, "Mises à jour rares"]
    assert [row[0] for row in table.rows] == [1, 2, 3, 4, 5]
    assert table.rows[0][-1] == "Suggérée"
    figure = block(chapter, "mp_challenge_severity")
    assert figure.alt.index("Mises à jour rares") < figure.alt.index("Diffusion insuffisante")


def test_needs_table_sorted_by_how_many_expressed_them(default_en):
    chapter = default_en.chapter
    table = block(chapter, "mp_needs")
    assert table.rows[0] == ["Training", 2, "50%"]
    assert ["Equipment", 1, "25%"] in table.rows


def test_findings_and_measures_are_those_of_the_analysis(default_en):
    result = default_en
    assert {f.kind for f in result.findings} >= {"no_profile_edition", "mp_awareness", "top_challenge"}
    assert result.measures["profile.share_aware"] == pytest.approx(0.75)
    assert result.measures["challenge.update.prevalence"] == 1.0
