"""The national workshop and the endorsement, end to end on a demo country: the kit, a worksheet
filled as a working group would, read back, the guide rebuilt with exactly those changes in French
and English (and the open data and the network files), then the authority's review, the
endorsement, and an endorsed guide without the DRAFT mark whose provenance lists the decisions.

The fast variant (default run) builds the HTML guides in this process with the chapter builders
the notebooks call: French first (the kit and the worksheet are French), both languages once the
worksheet is read (the guide must show the changes in both), and after the review and the
endorsement only the French guide is reassembled (they act when a guide is assembled). The slow
variant runs the real commands (`mpanalysis run`, the notebooks, both languages every time) and
writes the kit's PDFs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest
import yaml
from workshop_fixtures import build_in_process, fill_cells

from mpanalysis.cli import main

COUNTRY = "GMB"
REJECTED = "network.silent_producers"
CONFIRMED = "network.formal_share"
DROPPED = "crisis_information"
AMENDED = "training_data_use"
AMENDED_TEXT = {"fr": "Former chaque année les planificateurs des ministères à l’usage des données du profil.",
                "en": "Train ministry planners every year to use the data of the profile."}
NEW_TEXT = {"fr": "Équiper les postes frontières terrestres d’un enregistrement informatisé des passages.",
            "en": "Equip land border posts with computerised recording of crossings."}
# the statistics office under its official name; the guides named it after the answers (translated
# into French by the parameters' entity_names): the workshop's name comes first in both languages
RENAMED = ("GMB-NBS", "Gambia Bureau of Statistics", "GBoS")
NAMED_BEFORE = {"fr": "Bureau national de la statistique", "en": "National Bureau of Statistics"}
MERGED = ("GMB-PSI", "GMB-UCMS")


def _text(path: Path) -> str:
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts, self.skip = [], 0

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.skip -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return re.sub(r"[\s\u00a0\u202f\u2060]+", " ", " ".join(parser.parts))


def _split_annex(text: str, lang: str) -> tuple[str, str]:
    """The guide's chapters I–IV, and its annexes (from the methodology annex on)."""
    marker = {"fr": "Annexe A", "en": "Annex A"}[lang]
    index = text.rfind(marker)
    return text[:index], text[index:]


def fill_worksheet(path: Path, lang: str, finding_texts: dict) -> None:
    from mpanalysis.workshop.kit import get_choice_labels
    from mpanalysis.workshop.texts import t

    def h(code):
        return t(f"worksheet.columns.{code}", lang)

    choose = get_choice_labels("finding", lang)
    fill_cells(path, t("worksheet.sheets.findings", lang), {
        REJECTED: {h("decision"): choose["rejected"], h("comment"): "Hors sujet"},
        CONFIRMED: {h("decision"): choose["confirmed"]}})
    choose = get_choice_labels("recommendation", lang)
    from mpanalysis.analysis.recommendations import get_rule_labels
    from mpanalysis.reference import get_labels

    fill_cells(path, t("worksheet.sheets.recommendations", lang), {
        DROPPED: {h("decision"): choose["drop"]},
        AMENDED: {h("decision"): choose["amend"], h("amended_text"): AMENDED_TEXT[lang],
                  t("worksheet.columns.in_language", lang, column=h("amended_text"), language="en" if lang == "fr" else "fr"):
                      AMENDED_TEXT["en" if lang == "fr" else "fr"]},
        "new.1": {h("decision"): choose["new"], h("category"): get_labels("recommendation_categories", lang)["border_information"],
                  h("amended_text"): NEW_TEXT[lang],
                  t("worksheet.columns.in_language", lang, column=h("amended_text"), language="en" if lang == "fr" else "fr"):
                      NEW_TEXT["en" if lang == "fr" else "fr"],
                  h("lead"): "National Bureau of Statistics (NBS)",  # from the drop-down list, renamed below
                  h("timeframe"): get_rule_labels("timeframe", lang)["short"],
                  h("priority"): get_rule_labels("priority", lang)["high"]}})
    fill_cells(path, t("worksheet.sheets.problems", lang), {"ownership": {h("severity_agreed"): "3"}})
    fill_cells(path, t("worksheet.sheets.names", lang), {
        RENAMED[0]: {h("official_name"): RENAMED[1], h("acronym"): RENAMED[2]},
        MERGED[0]: {h("merge_into"): MERGED[1]}})
    fill_cells(path, t("worksheet.sheets.participants", lang), {
        "1": {h("name"): "Awa Jallow", h("institution"): "National Bureau of Statistics (NBS)", h("function"): "Statistician"},
        "2": {h("name"): "Lamin Ceesay", h("institution"): "Ministry of the Interior (MOI)"}})


def _read_recommendations(root: Path, lang: str) -> pd.Series:
    """The guide's recommendations in ``lang`` as the last build saved them: ``{id: text}``."""
    table = root / "outputs" / COUNTRY / "work" / lang / "tables" / "recommendations__open_data.csv"
    return pd.read_csv(table).set_index("id")["text"]


def _read_finding_texts(root: Path, finding_id: str) -> dict[str, str]:
    """A finding's sentence in every language, from the French build's findings."""
    findings = root / "outputs" / COUNTRY / "work" / "fr" / "findings" / "policy_cycle.json"
    return next(f["text"] for f in json.loads(findings.read_text(encoding="utf-8")) if f["id"] == finding_id)


def run_workshop_loop(root: Path, build, tmp: Path, *, kit_options: tuple[str, ...] = ("--no-pdf",)) -> dict:
    """workshop → filled worksheet → --read → ``build()`` → the guides in French and English show
    exactly those changes; the open data and the GraphML use the official names and the merge."""
    assert main(["workshop", COUNTRY, "--lang", "fr", *kit_options]) == 0
    kit = root / "outputs" / COUNTRY / "workshop"
    sheet = tmp / "group1.xlsx"
    shutil.copy(kit / f"{COUNTRY}_workshop_worksheet_fr.xlsx", sheet)
    rejected_text = _read_finding_texts(root, REJECTED)
    before = _read_recommendations(root, "fr")
    dropped_text, amended_before = before[DROPPED], before[AMENDED]
    guides = {lang: root / "outputs" / COUNTRY / "guides" / f"{COUNTRY}_guide_{lang}_public_full.html"
              for lang in ("fr", "en")}
    assert dropped_text in _text(guides["fr"])
    fill_worksheet(sheet, "fr", rejected_text)
    assert main(["workshop", COUNTRY, "--read", str(sheet)]) == 0
    decisions = yaml.safe_load((root / "params" / f"{COUNTRY}.workshop.yaml").read_text(encoding="utf-8"))
    assert {r["decision"] for r in decisions["workshop"]["recommendations"]} == {"drop", "amend", "new"}
    build()

    for lang, path in guides.items():
        text = _text(path)
        body, annexes = _split_annex(text, lang)
        mark = {"fr": "(Validé lors de l’atelier national.)", "en": "(Validated at the national workshop.)"}[lang]
        assert text.count(mark) == 1, lang  # the one confirmed finding
        rejected = re.sub(r"[\s\u00a0\u202f]+", " ", rejected_text[lang])
        assert rejected not in body and rejected in annexes and "Hors sujet" in annexes
        assert AMENDED_TEXT[lang] in body and NEW_TEXT[lang] in body
        # (the old name may stay in free text of the parameters, never as the institution's name)
        assert f"{RENAMED[1]} ({RENAMED[2]})" in body and f"{NAMED_BEFORE[lang]} (NBS)" not in body
        assert "Population Studies Institute" not in body
        # the new recommendation carries its lead (under the official name the same worksheet gave) and time frame
        new_at = body.index(NEW_TEXT[lang])
        assert f"{RENAMED[1]} ({RENAMED[2]})" in body[new_at:new_at + 400]
        assert {"fr": "Court terme", "en": "Short term"}[lang] in body[new_at:new_at + 600]
        assert "Awa Jallow" not in text  # participants' names: restricted edition only
        # the severity the workshop agreed, beside the measured one in the problem/solution matrix
        assert {"fr": "Sévérité retenue à l’atelier (0–3)", "en": "Severity agreed at the workshop (0–3)"}[lang] in body
        # the institutions represented, named as the guide names them
        assert f"{RENAMED[1]} ({RENAMED[2]})" in annexes and "National Bureau of Statistics" not in annexes
        # annex A lists what the workshop changed, the rejected finding citing the table that gives the reason
        assert {"fr": "1 constat écarté (tableau A.", "en": "1 finding rejected (Table A."}[lang] in annexes
        # the recommendations as the guide has them: one dropped, one amended, one new
        after = _read_recommendations(root, lang)
        assert DROPPED not in after.index and after[AMENDED] == AMENDED_TEXT[lang]
        assert NEW_TEXT[lang] in set(after)
    body = _split_annex(_text(guides["fr"]), "fr")[0]
    assert dropped_text not in body and amended_before not in body

    data = root / "outputs" / COUNTRY / "data"
    entities = pd.read_csv(next(data.rglob("entities.csv")))
    assert MERGED[0] not in set(entities["entity_id"]) and MERGED[1] in set(entities["entity_id"])
    assert RENAMED[1] in set(entities["name"])
    graph = nx.read_graphml(next(data.rglob("*.graphml")))
    assert MERGED[0] not in graph and graph.nodes[RENAMED[0]]["name"] == RENAMED[1]
    return {"guides": guides}


def run_review_loop(root: Path, build, tmp: Path, guides: dict) -> None:
    """review → a sheet with one paragraph edited and one deleted → --read → endorse → ``build()``
    → the French guide has the edit, not the deleted paragraph, no DRAFT mark, and its provenance
    lists the decisions."""
    import openpyxl

    from mpanalysis.workshop.texts import t

    assert main(["review", COUNTRY, "--lang", "fr"]) == 0
    review = root / "outputs" / COUNTRY / "review"
    assert (review / f"{COUNTRY}_review_fr_copy.docx").is_file()
    sheet = tmp / "review.xlsx"
    shutil.copy(review / f"{COUNTRY}_review_fr_sheet.xlsx", sheet)
    wb = openpyxl.load_workbook(sheet)
    ws = wb[t("review.sheet", "fr")]
    header = [c.value for c in ws[1]]
    col = {code: header.index(t(f"review.columns.{code}", "fr")) for code in ("kind", "text", "decision", "new_text")}
    paragraphs = [row for row in ws.iter_rows(min_row=2) if row[col["kind"]].value == "paragraphe"
                  and len(str(row[col["text"]].value)) > 60 and "{" not in str(row[col["text"]].value)]
    edited, deleted = paragraphs[1], paragraphs[3]
    deleted_text = str(deleted[col["text"]].value)
    edited[col["decision"]].value = "modifier"
    edited[col["new_text"]].value = "Paragraphe réécrit par l’autorité nationale de coordination."
    deleted[col["decision"]].value = "supprimer"
    wb.save(sheet)
    assert main(["review", COUNTRY, "--read", str(sheet)]) == 0
    assert main(["endorse", COUNTRY, "--by", "National Coordinating Committee on Migration",
                 "--date", "2025-11-20"]) == 0
    build()
    text = _text(guides["fr"])
    assert "Paragraphe réécrit par l’autorité nationale de coordination." in text
    assert re.sub(r"[\s\u00a0\u202f]+", " ", deleted_text) not in text
    html = guides["fr"].read_text(encoding="utf-8")
    assert "is-draft" not in html and "Projet soumis à l’approbation" not in text
    for expected in ("Atelier national", "group1.xlsx", "review.xlsx", "Approbation", "fiches lues le",
                     "National Coordinating Committee on Migration, 2025-11-20"):
        assert expected in text, expected
    assert "modifier : 1 ; supprimer : 1" in text


@pytest.fixture(scope="module")
def built_in_french(tmp_path_factory):
    """A project copy with the demo country built in French (shared by the tests of this module)."""
    from conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("workshop") / "project", [COUNTRY])
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MPANALYSIS_ROOT", str(root))
        build_in_process(COUNTRY, ("fr",))
    return root


@pytest.fixture
def project(built_in_french, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the project built in French, the package pointed at it."""
    root = tmp_path / "project"
    shutil.copytree(built_in_french, root)
    monkeypatch.setenv("MPANALYSIS_ROOT", str(root))
    return root


def test_the_workshop_loop_on_a_demo_country(project, tmp_path):
    result = run_workshop_loop(project, lambda: build_in_process(COUNTRY, ("fr", "en")), tmp_path)
    run_review_loop(project, lambda: build_in_process(COUNTRY, ("fr",), is_assembly_only=True), tmp_path,
                    result["guides"])


def test_a_worksheet_with_mistakes_stops_with_located_messages_and_changes_nothing(project, tmp_path, capsys):
    from mpanalysis.workshop.kit import get_choice_labels
    from mpanalysis.workshop.texts import t

    def h(code):
        return t(f"worksheet.columns.{code}", "fr")

    findings, names = t("worksheet.sheets.findings", "fr"), t("worksheet.sheets.names", "fr")
    assert main(["workshop", COUNTRY, "--lang", "fr", "--no-pdf"]) == 0
    sheet = tmp_path / "group2.xlsx"
    shutil.copy(project / "outputs" / COUNTRY / "workshop" / f"{COUNTRY}_workshop_worksheet_fr.xlsx", sheet)
    fill_cells(sheet, findings, {CONFIRMED: {h("decision"): "peut-être"}})
    fill_cells(sheet, names, {MERGED[0]: {h("merge_into"): "GMB-NOWHERE"}})
    import openpyxl

    wb = openpyxl.load_workbook(sheet)
    header = [c.value for c in wb[findings][1]]
    wb[findings].cell(row=2, column=1).value = "network.invented"
    wb[findings].cell(row=2, column=header.index(h("decision")) + 1).value = get_choice_labels("finding", "fr")["confirmed"]
    wb.save(sheet)
    before = {p.name: p.read_bytes() for p in (project / "params").iterdir()}

    assert main(["workshop", COUNTRY, "--read", str(sheet)]) == 2

    err = capsys.readouterr().err
    assert "3 problems, nothing was applied" in err
    assert (f"group2.xlsx, sheet '{findings}', row 2, column '{h('id')}': unknown finding id 'network.invented'"
            in err)
    assert re.search(rf"group2\.xlsx, sheet '{findings}', row \d+, column '{h('decision')}': "
                     r"'peut-être' is not one of the choices", err)
    assert re.search(rf"group2\.xlsx, sheet '{names}', row \d+, column '{h('merge_into')}': "
                     r"cannot merge into 'GMB-NOWHERE'", err)
    assert {p.name: p.read_bytes() for p in (project / "params").iterdir()} == before


@pytest.mark.slow
def test_the_workshop_loop_through_the_real_commands(project_factory, tmp_path):
    """The same loop with `mpanalysis run` (the notebooks, both languages each time) and the kit's PDFs."""
    root = project_factory([COUNTRY])

    def build():
        assert main(["run", COUNTRY, "--format", "html", "--length", "full", "--quiet"]) == 0

    build()
    result = run_workshop_loop(root, build, tmp_path, kit_options=())
    kit = root / "outputs" / COUNTRY / "workshop"
    for name in ("slides_fr.html", "slides_fr.pdf", "worksheet_fr.xlsx", "worksheet_fr.pdf"):
        assert (kit / f"{COUNTRY}_workshop_{name}").stat().st_size > 1000
    run_review_loop(root, build, tmp_path, result["guides"])
