"""The opening of every guide (key messages, foreword, how to use this guide) and the brief's parts:
what a reader sees first, chosen from the data by the rules of key_messages.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

from mpanalysis.analysis.findings import make_finding
from mpanalysis.analysis.profile.examples import make_example_dataset
from mpanalysis.analysis.recommendations import Recommendation, number_recommendations
from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.front import (
    KeyMessageCatalogue,
    build_brief_figures_chapter,
    build_brief_more_chapter,
    build_brief_recommendations_chapter,
    build_foreword_chapter,
    build_front_matter,
    build_how_to_use_chapter,
    load_key_message_catalogue,
    select_key_messages,
)
from mpanalysis.guide.document import Chapter, Figure, Section, Table, iter_blocks, label_blocks
from mpanalysis.params import CountryParams
from mpanalysis.wording.names import make_entity_name

FOREWORD = {"text": {"fr": "Premier paragraphe.\n\nSecond paragraphe.", "en": "First.\n\nSecond."},
            "signatory": "A. Sarr", "function": {"fr": "Directrice générale", "en": "Director General"},
            "institution": {"fr": "Comité national", "en": "National Committee"},
            "place": "Dakar", "date": "2025-10-01"}


def severe_findings() -> list:
    """Findings of chapters I–III as a country with many problems has them."""
    return [
        make_finding("coverage_gap", "crisis", codes={"domain": "crisis"}, numbers={"n_potential": 1, "is_core": 1}),
        make_finding("formal_share", numbers={"formal_share": 0.1, "n_formal": 3, "n_edges": 30}),
        make_finding("cut_vertex", "B", entities=["B"], names={"B": "Bureau"}, numbers={"n_cut_off": 3}),
        make_finding("cut_vertex", "C", entities=["C"], names={"C": "Cellule"}, numbers={"n_cut_off": 6}),
        make_finding("silent_producers", entities=["X", "Y", "Z"], numbers={"n_entities": 3}),
        make_finding("silo", "1", numbers={"n_members": 3, "n_internal": 3, "n_external": 0, "external_share": 0.0}),
        make_finding("network_overview", numbers={"n_entities": 9, "n_respondents": 7, "n_edges": 30,
                                                  "density": 0.4, "n_isolated": 0, "n_groups": 1}),
    ]


def recommendations() -> list[Recommendation]:
    return number_recommendations([
        Recommendation("formal", "cooperation", "high", "Signer des protocoles d’accord.", "fr",
                       finding_ids=("network.formal_share",), evidence=("table II.2",), lead="Direction générale"),
        Recommendation("workshop_1", "training_hr", "high", "Former les points focaux.", "fr", origin="workshop"),
        Recommendation("low", "collection", "low", "Documenter les sources.", "fr"),
    ])


# ----------------------------------------------------------------------------- key messages


def test_key_messages_are_the_most_severe_findings_at_most_two_per_chapter_then_the_top_recommendations():
    names = {"B": make_entity_name("Bureau des statistiques"), "C": make_entity_name("Cellule migration")}
    messages = select_key_messages(severe_findings(), {"sources.n_domains": 4}, recommendations(), "fr",
                                   blocks={"table II.2": "policy_indicators", "figure II.1": "policy_network"},
                                   names=names)
    assert 5 <= len(messages) <= 7
    texts = [m.text for m in messages]
    # chapter I's coverage gap first (chapter order), then two of chapter II's four high findings
    assert messages[0].headline == "1 sur 4" and "« Migration en situation de crise »" in texts[0]
    chapter_two = [t for t in texts if "{ref:policy_" in t and "protocoles" not in t]
    assert len(chapter_two) == 2
    # the cut vertex message speaks of the one that cuts off the most institutions, named with its article
    assert any(m.headline == "6" and "que par la Cellule migration :" in m.text for m in messages)
    # the informative overview is not needed: there are enough severe findings
    assert not any("réseau des acteurs" in t for t in texts)
    # the recommendations come last (high priority, the workshop's first), with their evidence or origin
    assert [m.headline for m in messages[-2:]] == ["R2", "R1"]
    assert texts[-2] == "Former les points focaux (adoptée lors de l’atelier national)."
    assert texts[-1] == "Signer des protocoles d’accord. Chef de file : Direction générale ({ref:policy_indicators})."


def test_informative_messages_fill_the_page_when_little_is_wrong():
    calm = [make_finding("sources_overview", numbers={"n_entities": 5, "n_existing": 9, "n_potential": 0,
                                                      "n_domains_covered": 4, "n_domains": 4,
                                                      "n_domains_uncovered": 0}),
            make_finding("network_overview", numbers={"n_entities": 9, "n_respondents": 7, "n_edges": 30,
                                                      "density": 0.4, "n_isolated": 0, "n_groups": 1}),
            make_finding("formal_share", numbers={"formal_share": 0.9, "n_formal": 27, "n_edges": 30})]
    messages = select_key_messages(calm, {}, [], "en")
    assert [m.headline for m in messages] == ["9", "30"]  # every informative rule that applies
    assert messages[0].text.startswith("5 institutions report 9 existing sources")
    assert "Figure I.1" in messages[0].text  # a block the guide does not hold: its label, as text


def test_a_measure_rule_reports_the_measure_and_its_own_evidence():
    measures = {"sources.stale_share": 0.6, "sources.n_stale": 6, "sources.n_existing": 10}
    messages = select_key_messages([], measures, [], "en", params=CountryParams(country="SEN", staleness_years=4))
    assert [(m.headline, m.text) for m in messages] == [
        ("60%", "6 of the 10 existing sources have not been updated for more than 4\u00a0years: the figures they "
                "bring to the profile have aged (Table I.3).")]


def test_every_message_rule_has_every_language_and_a_valid_condition():
    catalogue = load_key_message_catalogue()
    assert catalogue.min_messages >= 5 and catalogue.max_messages <= 7
    for rule in catalogue.messages:
        assert set(rule.text) == {"fr", "en", "pt"}, rule.id


def test_a_wrong_rule_names_the_file_and_the_message(tmp_path):
    bad = tmp_path / "key_messages.yaml"
    bad.write_text("max_messages: 7\nmin_messages: 5\nmax_per_chapter: 2\n"
                   "recommendations: {count: 2, headline: '{number}', text: {fr: '{text}', en: '{text}'},"
                   " text_no_lead: {fr: '{text}', en: '{text}'}}\n"
                   "messages:\n  - {id: odd, chapter: II, when: {finding_kind: silo, colour: red},"
                   " headline: '1', text: {fr: a, en: b}}\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"key_messages.yaml, key 'messages.odd.when': .*unknown key 'colour'"):
        load_key_message_catalogue(bad)
    assert isinstance(load_key_message_catalogue(), KeyMessageCatalogue)


# ----------------------------------------------------------------------------- foreword


def test_foreword_prints_the_text_and_the_signature_from_the_parameters():
    chapter = build_foreword_chapter(CountryParams(country="SEN", foreword=FOREWORD), "fr", is_draft=False)
    assert [b.text for b in chapter.blocks[:2]] == ["Premier paragraphe.", "Second paragraphe."]
    assert chapter.blocks[2].lines == ["Dakar, le 1ᵉʳ octobre 2025", "A. Sarr", "Directrice générale",
                                       "Comité national"]
    assert not chapter.is_numbered


def test_a_draft_without_foreword_shows_a_visible_placeholder_and_an_endorsed_guide_none():
    params = CountryParams(country="GMB")
    placeholder = build_foreword_chapter(params, "en", is_draft=True)
    assert placeholder.blocks[0].kind == "warning" and "params/GMB.yaml" in placeholder.blocks[0].text
    assert build_foreword_chapter(params, "en", is_draft=False) is None


# ----------------------------------------------------------------------------- how to use


def context(lang="fr", **params) -> ChapterContext:
    return ChapterContext(make_example_dataset(), CountryParams(country="SEN", **params), lang)


def test_how_to_use_lists_the_chapters_and_says_where_the_open_data_are():
    chapters = [Chapter(number="I", key="sources", title="Panorama"),
                Chapter(number="IV", key="recommendations", title="Recommandations")]
    chapter = build_how_to_use_chapter(context(workshop={"date": "2025-05-14"}), chapters, is_draft=True)
    text = " ".join(t for b in iter_blocks(chapter) for t in getattr(b, "items", [getattr(b, "text", "")]))
    assert "4 institutions au questionnaire" in text and "atelier national du 14 mai 2025" in text
    assert "I. Panorama : les sources de données" in text and text.count("outputs/SEN/data") == 1
    assert "une fois le guide approuvé" in text  # a draft is not yet in the public atlas
    brief = build_how_to_use_chapter(context(), chapters, length="brief")
    assert not brief.sections and len(brief.blocks) == 4


def test_front_matter_order_is_key_messages_foreword_how_to_use():
    parts = build_front_matter(context(foreword=FOREWORD), [], severe_findings(), {}, recommendations(),
                               is_draft=False)
    assert [p.key for p in parts] == ["key_messages", "foreword", "how_to_use"]
    assert [s.title for s in parts[0].sections] == ["Ce que montrent les réponses", "Ce qu’il faut faire d’abord"]


# ----------------------------------------------------------------------------- the brief


def full_chapters() -> list[Chapter]:
    table = Table(id="sources_domain_summary", caption="Sources par domaine", columns=["a"], rows=[[1]])
    other = Table(id="sources_gaps", caption="Lacunes", columns=["a"], rows=[[1]])
    figure = Figure(id="policy_network", caption="Réseau", alt="Réseau", plotly_json='{"data": []}')
    contacts = Table(id="contacts", caption="Contacts", columns=["a"], rows=[["x"]], audience="restricted")
    return [Chapter(number="I", key="sources", title="Panorama", blocks=[other, table, contacts]),
            Chapter(number="II", key="policy_cycle", title="Cycle", sections=[Section(title="S", blocks=[figure])]),
            Chapter(number="IV", key="recommendations", title="Recommandations")]


def test_brief_figures_keep_their_numbers_in_the_full_guide():
    chapters = full_chapters()
    overview = make_finding("network_overview", numbers={"n_entities": 9, "n_respondents": 7, "n_edges": 30,
                                                         "density": 0.4, "n_isolated": 0, "n_groups": 1})
    part = build_brief_figures_chapter(chapters, [overview], label_blocks(chapters, "fr"), "fr")
    shown = [b for b in part.blocks if isinstance(b, (Figure, Table))]
    assert [(b.id, b.number) for b in shown] == [("policy_network", "II.1"), ("sources_domain_summary", "I.2")]
    assert part.blocks[0].text.startswith("Le réseau des acteurs relie 9 institutions")
    assert label_blocks([part], "fr").labels["sources_domain_summary"] == "Tableau I.2"


def test_brief_recommendations_are_the_top_five_in_full_and_say_how_many_there_are():
    many = number_recommendations([Recommendation(f"r{i}", "cooperation", "high" if i < 6 else "low",
                                                  f"Action {i}.", "fr") for i in range(9)])
    part = build_brief_recommendations_chapter(many, [], {}, "fr")
    assert [s.title for s in part.sections] == [f"R{i}. Action {i - 1}." for i in range(1, 6)]
    assert "parmi les 9 que formule la version complète" in part.intro
    assert "détaillée plus loin" not in part.model_dump_json()


def test_the_brief_prints_each_priority_recommendation_as_chapter_four_does():
    finding = make_finding("formal_share", numbers={"formal_share": 0.1, "n_formal": 3, "n_edges": 30})
    planned = number_recommendations([Recommendation(
        "a", "cooperation", "high", "Link the silos.", "en", finding_ids=(finding.id,), evidence=("table II.2",),
        lead="Statistics office", partners=("IOM", "Police"), timeframe="short", indicator="Two agreements signed.")])
    part = build_brief_recommendations_chapter(planned, [finding], {"table II.2": "t"}, "en")
    items = part.sections[0].blocks[0].items
    assert part.sections[0].title == "R1. Link the silos."
    assert items[:4] == ["Lead: Statistics office.", "Partners: IOM; Police.", "Time frame: Short term (within a year).",
                         "Indicator of success: Two agreements signed."]
    assert items[-1] == "Evidence: 10% of the 30 information flows rest on a formal agreement (3 flows) ({ref:t})."


def test_where_to_find_the_rest_names_the_full_guide_and_counts_what_it_holds():
    part = build_brief_more_chapter(context(), full_chapters(), 24, full_file="SEN_guide_fr_public_full.pdf",
                                    is_draft=False)
    assert "SEN_guide_fr_public_full.pdf" in part.blocks[0].text
    assert part.blocks[1].items[:3] == ["I. Panorama : 0 figure et 2 tableaux ;", "II. Cycle : 1 figure et 0 tableau ;",
                                        "IV. Recommandations : les 24 recommandations, classées par catégorie, "
                                        "chacune avec son constat ;"]
    assert "outputs/site/index.html" in part.blocks[3].items[-1]


def test_dates_in_the_opening_use_the_french_ordinal():
    chapter = build_foreword_chapter(CountryParams(country="SEN", foreword={**FOREWORD, "date": dt.date(2025, 5, 1)}),
                                     "fr", is_draft=False)
    assert chapter.blocks[-1].lines[0] == "Dakar, le 1ᵉʳ mai 2025"
