"""Notebooks 01 (sources) and 02 (policy cycle) executed with papermill on the demo data, as
`mpanalysis run` executes them: their saved chapters, findings and network must hold together."""

from __future__ import annotations

import json

import pytest

from mpanalysis.analysis.findings import findings_from_json
from mpanalysis.analysis.network import build_actor_network, read_network_graphml
from mpanalysis.batch.kernels import execute_notebook
from mpanalysis.guide.chapters.base import load_chapter_context
from mpanalysis.guide.document import iter_blocks, iter_texts, read_chapter
from mpanalysis.paths import list_configured_countries
from mpanalysis.wording import name_entities
from mpanalysis.wording.names import load_name_overrides

NOTEBOOKS = {"01_sources.ipynb": "sources", "02_policy_cycle.ipynb": "policy_cycle"}
TITLES = {
    ("sources", "fr"): "Panorama des données et sources d’information sur la migration",
    ("sources", "en"): "Panorama of migration data and information sources",
    ("policy_cycle", "fr"): "Le cycle des politiques migratoires et ses acteurs",
    ("policy_cycle", "en"): "The migration policy cycle and its actors",
}


def run_and_check(country: str, lang: str, folder) -> None:
    for name, key in NOTEBOOKS.items():
        execute_notebook(name, folder / "executed" / name,
                         {"country": country, "language": lang, "output_dir": str(folder)})
        chapter = read_chapter(folder / "chapters" / f"{key}.json")
        assert chapter.title == TITLES[key, lang]
        findings = findings_from_json((folder / "findings" / f"{key}.json").read_text(encoding="utf-8"))
        measures = json.loads((folder / "measures" / f"{key}.json").read_text(encoding="utf-8"))
        assert findings and measures

        dataset = load_chapter_context(country, lang).dataset
        entity_ids = set(dataset.entities["entity_id"])
        named = {e for f in findings for e in f.entities}
        assert named <= entity_ids, f"{name} names entities that do not exist: {sorted(named - entity_ids)}"
        text = "\n".join(iter_texts(chapter))
        assert all(f.get_text(lang) in text for f in findings if f.kind not in ("sources_overview",))
        # institutions as the guide names them in its language (translations from the parameters)
        shown = name_entities(dataset.entities, load_name_overrides(country), lang)
        assert any(str(shown[e]) in text for e in named if e in shown)
        ids = [b.id for b in iter_blocks(chapter) if getattr(b, "id", None)]
        assert len(ids) == len(set(ids))

    reloaded = read_network_graphml(folder / "network" / "network.graphml")
    built = build_actor_network(load_chapter_context(country, lang).dataset)
    assert set(reloaded.nodes) == set(built.nodes)
    assert set(reloaded.edges) == set(built.edges)
    assert dict(reloaded.nodes(data="name")) == dict(built.nodes(data="name"))
    assert {(u, v): d["confirmed"] for u, v, d in reloaded.edges(data=True)} == \
        {(u, v): d["confirmed"] for u, v, d in built.edges(data=True)}


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_notebooks_run_on_one_demo_country(lang, tmp_path):
    run_and_check("SEN", lang, tmp_path / lang)


DEMO_COUNTRIES = list_configured_countries()  # not the decisions files (<ISO3>.workshop.yaml)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("country", DEMO_COUNTRIES)
def test_notebooks_run_on_every_demo_country(country, lang, tmp_path):
    run_and_check(country, lang, tmp_path / lang)
