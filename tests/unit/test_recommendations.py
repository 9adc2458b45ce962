"""Chapter IV: rules as data, evaluated on findings and measures, merged with the workshop's."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from mpanalysis.analysis import recommendations as rec
from mpanalysis.analysis.findings import Finding, make_finding
from mpanalysis.analysis.recommendations.rules import Combination, FindingCondition, MeasureCondition
from mpanalysis.errors import ReferenceDataError
from mpanalysis.params import CountryParams
from mpanalysis.paths import reference_dir


def fake_finding(id: str, kind: str, severity: str = "high", entities=(), numbers=None,
                   evidence: str = "table I.2", codes=None) -> Finding:
    """A finding built directly: the rules read its kind, codes, numbers and entities, not its sentences."""
    return Finding(id=id, kind=kind, severity=severity, chapter="I", entities=tuple(entities),
                   numbers=numbers or {}, codes=codes or {}, text={"fr": "…", "en": "…"},
                   evidence=evidence)


NAMES = {"SEN-DGPN": "Direction générale de la police nationale", "SEN-ANSD": "ANSD", "SEN-OIM": "OIM"}

CRISIS_RULE = {
    "id": "crisis_gap", "category": "crisis_information", "priority": "high",
    "when": {"finding_kind": "coverage_gap", "domain": "crisis"},
    "text": {"fr": "Collecter des données sur « {domains} » avec {entities}.",
             "en": "Collect data on “{domains}” with {entities}."},
}


def rules_of(*items: dict) -> list[rec.Rule]:
    # every rule needs a time frame and an indicator; the tests set them only when they matter
    defaults = {"timeframe": "medium", "indicator": {"fr": "Indicateur.", "en": "Indicator."}}
    return rec.parse_rules({"rules": [{**defaults, **item} for item in items]}, "test_rules.yaml",
                           languages=("fr", "en"))


def gap(domain: str, *entities: str, severity: str = "high") -> fake_finding:
    return fake_finding(id=f"sources.coverage_gap.{domain}", kind="coverage_gap", severity=severity,
                          entities=entities, evidence="table I.3", codes={"domain": domain})


# ------------------------------------------------------------------------------ conditions

def test_rule_fires_on_a_matching_finding_only():
    rules = rules_of(CRISIS_RULE)
    assert [r.id for r in rec.evaluate_rules(rules, [gap("crisis")], {}, "en")] == ["crisis_gap"]
    assert rec.evaluate_rules(rules, [gap("trends")], {}, "en") == []
    other_kind = fake_finding(id="x", kind="stale_sources", codes={"domain": "crisis"})
    assert rec.evaluate_rules(rules, [other_kind], {}, "en") == []


def test_domain_not_and_min_severity_filters():
    rule = {**CRISIS_RULE, "id": "other_gaps",
            "when": {"finding_kind": "coverage_gap", "domain_not": ["crisis", "border_management"],
                     "min_severity": "medium"}}
    rules = rules_of(rule)
    assert rec.evaluate_rules(rules, [gap("crisis"), gap("border_management")], {}, "en") == []
    assert rec.evaluate_rules(rules, [gap("trends", severity="low")], {}, "en") == []
    fired = rec.evaluate_rules(rules, [gap("crisis"), gap("trends"), gap("development", severity="medium")], {}, "en")
    assert fired[0].finding_ids == ("sources.coverage_gap.trends", "sources.coverage_gap.development")


@pytest.mark.parametrize("value, fires", [(0.29, True), (0.3, False), (0.8, False)])
def test_measure_threshold_below_is_strict(value, fires):
    rules = rules_of({"id": "formal", "category": "cooperation", "priority": "high",
                      "when": {"measure": "network.formal_share", "below": 0.3}, "evidence": "table II.2",
                      "text": {"fr": "Formaliser : {share}.", "en": "Formalise: {share}."}})
    result = rec.evaluate_rules(rules, [], {"network.formal_share": value}, "en")
    assert bool(result) is fires
    if fires:
        assert result[0].measures == {"network.formal_share": 0.29}
        assert result[0].evidence == ("table II.2",)


def test_missing_or_nan_measure_never_fires():
    rules = rules_of({"id": "aware", "category": "training_hr", "priority": "high",
                      "when": {"measure": "profile.share_aware", "at_most": 0.5},
                      "text": {"fr": "a", "en": "b"}})
    assert rec.evaluate_rules(rules, [], {}, "en") == []
    assert rec.evaluate_rules(rules, [], {"profile.share_aware": float("nan")}, "en") == []
    assert rec.evaluate_rules(rules, [], {"profile.share_aware": 0.5}, "en")  # at_most is inclusive


def test_any_all_not_combinations():
    base = {"category": "cooperation", "priority": "medium", "text": {"fr": "a", "en": "b"}}
    rules = rules_of(
        {**base, "id": "any_rule", "when": {"any": [{"finding_kind": "silo"}, {"measure": "m", "above": 1}]}},
        {**base, "id": "all_rule", "when": {"all": [{"finding_kind": "silo"}, {"measure": "m", "above": 1}]}},
        {**base, "id": "not_rule", "when": {"not": {"finding_kind": "silo"}}},
    )
    silo = fake_finding(id="network.silo.1", kind="silo")
    assert [r.id for r in rec.evaluate_rules(rules, [silo], {"m": 0}, "en")] == ["any_rule"]
    assert [r.id for r in rec.evaluate_rules(rules, [silo], {"m": 2}, "en")] == ["any_rule", "all_rule"]
    assert [r.id for r in rec.evaluate_rules(rules, [], {"m": 2}, "en")] == ["any_rule", "not_rule"]


# ------------------------------------------------------------------------------ texts

def test_text_in_both_languages_with_entity_names_and_domain_labels():
    rules = rules_of(CRISIS_RULE)
    finding = gap("crisis", "SEN-DGPN", "SEN-OIM")
    fr = rec.evaluate_rules(rules, [finding], {}, "fr", names=NAMES)[0]
    en = rec.evaluate_rules(rules, [finding], {}, "en", names=NAMES)[0]
    assert fr.text == ("Collecter des données sur « Migration en situation de crise » avec "
                       "Direction générale de la police nationale et OIM.")
    assert en.text == ("Collect data on “Migration in crisis situations” with "
                       "Direction générale de la police nationale and OIM.")
    assert fr.lang == "fr" and en.evidence == ("table I.3",)


def test_share_formatted_for_the_language():
    rules = rules_of({"id": "formal", "category": "cooperation", "priority": "high",
                      "when": {"finding_kind": "formal_share"},
                      "text": {"fr": "Seuls {share} des flux.", "en": "Only {share} of flows."}})
    finding = fake_finding(id="network.formal_share", kind="formal_share",
                             numbers={"n_formal": 2, "formal_share": 0.2}, evidence="table II.2")
    assert rec.evaluate_rules(rules, [finding], {}, "fr")[0].text == "Seuls 20\u00a0% des flux."
    assert rec.evaluate_rules(rules, [finding], {}, "en")[0].text == "Only 20% of flows."


def test_one_recommendation_per_rule_listing_every_triggering_entity():
    rules = rules_of({**CRISIS_RULE, "when": {"finding_kind": "cut_vertex"},
                      "text": {"fr": "Réduire la dépendance à {entities} ({n_entities}).",
                               "en": "Reduce dependence on {entities} ({n_entities})."}})
    findings = [fake_finding(id="network.cut_vertex.SEN-ANSD", kind="cut_vertex", entities=("SEN-ANSD",),
                               evidence="figure II.1"),
                fake_finding(id="network.cut_vertex.SEN-OIM", kind="cut_vertex", entities=("SEN-OIM",),
                               evidence="figure II.1")]
    result = rec.evaluate_rules(rules, findings, {}, "en", names=NAMES)
    assert len(result) == 1
    assert result[0].text == "Reduce dependence on ANSD and OIM (2)."
    assert result[0].entities == ("SEN-ANSD", "SEN-OIM") and result[0].evidence == ("figure II.1",)


def test_entities_without_names_fall_back_to_a_generic_phrase():
    rules = rules_of({**CRISIS_RULE, "when": {"measure": "m", "below": 1}})
    [result] = rec.evaluate_rules(rules, [], {"m": 0}, "fr")
    assert result.text.endswith("avec les institutions concernées.")


# ------------------------------------------------------------------------------ workshop, numbering, top

def workshop_params(*recommendations: dict) -> CountryParams:
    return CountryParams(country="SEN", workshop={"recommendations": list(recommendations)})


def test_workshop_recommendations_merged_numbered_first_in_their_category():
    params = workshop_params(
        {"category": "collection", "priority": "low",
         "text": {"fr": "Créer un observatoire national des migrations.", "en": "Create a national migration observatory."}})
    rules = [rec.Recommendation("collect_a", "collection", "high", "Update sources.", "en", order=3),
             rec.Recommendation("coop_a", "cooperation", "medium", "Share data.", "en", order=1)]
    numbered = rec.number_recommendations(rec.merge_workshop_recommendations(rules, params, "en"))
    assert [(r.number, r.id) for r in numbered] == [("R1", "coop_a"), ("R2", "workshop.1"), ("R3", "collect_a")]
    assert numbered[1].is_adopted_at_workshop and numbered[1].text == "Create a national migration observatory."


def test_rule_saying_the_same_as_the_workshop_is_dropped_and_its_evidence_kept():
    params = workshop_params(
        {"category": "cooperation", "priority": "high",
         "text": {"fr": "Formaliser les échanges d'informations par des protocoles d'accord.",
                  "en": "Formalise information exchanges through memoranda of understanding."}})
    same = rec.Recommendation("coop_formalise_exchanges", "cooperation", "high",
                              "Formaliser les échanges d’information par des protocoles d’accord", "fr",
                              finding_ids=("network.formal_share",), evidence=("table II.2",))
    other_category = rec.Recommendation("x", "collection", "high",
                                        "Formaliser les échanges d'informations par des protocoles d'accord.", "fr")
    different = rec.Recommendation("y", "cooperation", "high", "Relier les silos au reste du réseau.", "fr")
    merged = rec.merge_workshop_recommendations([same, other_category, different], params, "fr")
    assert [r.id for r in merged] == ["workshop.1", "x", "y"]
    assert merged[0].evidence == ("table II.2",) and merged[0].merged_ids == ("coop_formalise_exchanges",)


def test_numbering_is_continuous_in_category_order_and_independent_of_input_order():
    rules = rec.load_rules()
    recs = [rec.Recommendation(r.id, r.category, r.priority, r.text["en"], "en", order=r.order) for r in rules]
    expected = [(r.number, r.id) for r in rec.number_recommendations(recs)]
    shuffled = recs[:]
    random.Random(4).shuffle(shuffled)
    assert [(r.number, r.id) for r in rec.number_recommendations(shuffled)] == expected
    assert [n for n, _ in expected] == [f"R{i}" for i in range(1, len(recs) + 1)]
    categories = [next(r.category for r in rules if r.id == rid) for _, rid in expected]
    order = rec.get_category_codes()
    assert categories == sorted(categories, key=order.index)
    # within a category, high priority before medium before low
    for category in order:
        priorities = [next(r.priority for r in rules if r.id == rid) for _, rid in expected
                      if next(r.category for r in rules if r.id == rid) == category]
        assert priorities == sorted(priorities, key=rec.PRIORITIES.index)


def test_top_recommendations_high_priority_first_keeping_numbers():
    recs = rec.number_recommendations([
        rec.Recommendation("a", "cooperation", "low", "a", "en"),
        rec.Recommendation("b", "training_hr", "high", "b", "en"),
        rec.Recommendation("c", "crisis_information", "high", "c", "en"),
        rec.Recommendation("d", "collection", "medium", "d", "en")])
    top = rec.select_top_recommendations(recs, n=3)
    assert [(r.number, r.id) for r in top] == [("R2", "b"), ("R4", "c"), ("R3", "d")]
    assert len(rec.select_top_recommendations(recs, n=10)) == 4


# ------------------------------------------------------------------------------ the rules file

def test_rules_file_is_valid_and_covers_the_five_categories():
    rules = rec.load_rules()
    assert len(rules) >= 15
    assert {r.category for r in rules} == set(rec.get_category_codes())
    for rule in rules:
        assert rule.text["fr"].strip() and rule.text["en"].strip(), rule.id


def _finding_kinds(condition) -> set[str]:
    if isinstance(condition, FindingCondition):
        return set(condition.kinds)
    if isinstance(condition, Combination):
        return set().union(*(_finding_kinds(c) for c in condition.items))
    return set()


def test_every_finding_kind_of_the_rules_is_emitted_by_the_analysis():
    known = set()
    for name in ("findings.yaml", "profile_findings.yaml"):
        path = reference_dir() / name
        if path.is_file():
            known |= set(yaml.safe_load(path.read_text(encoding="utf-8"))["kinds"])
    used = set().union(*(_finding_kinds(r.condition) for r in rec.load_rules()))
    assert used <= known, f"rules use finding kinds nobody emits: {sorted(used - known)}"


def _satisfy(condition, index: int) -> tuple[list, dict]:
    """Build findings and measures that make a condition true (first branch of an `any`)."""
    if isinstance(condition, FindingCondition):
        codes = {key: values[0] for key, values in condition.codes}
        for key, excluded in condition.excluded:
            codes[key] = next(c for c in ("trends", "development", "crisis", "border_management") if c not in excluded)
        return [fake_finding(id=f"f{index}", kind=condition.kinds[0], severity="high",
                               entities=("SEN-ANSD", "SEN-OIM"), numbers={"n": 2, "x_share": 0.2},
                               evidence="table I.2", codes=codes)], {}
    if isinstance(condition, MeasureCondition):
        step = {"below": -1, "at_most": 0, "above": 1, "at_least": 0}[condition.comparator]
        return [], {condition.measure: condition.threshold + step * 0.1}
    if condition.operator == "not":
        return [], {}
    findings, measures = [], {}
    for item in condition.items[:1] if condition.operator == "any" else condition.items:
        f, m = _satisfy(item, index)
        findings += f
        measures.update(m)
    return findings, measures


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_rule_fires_and_fills_its_placeholders(lang):
    for rule in rec.load_rules():
        findings, measures = _satisfy(rule.condition, 1)
        [result] = rec.evaluate_rules([rule], findings, measures, lang, names=NAMES)
        assert "{" not in result.text and "}" not in result.text, rule.id
        assert result.evidence, f"rule {rule.id} cites no table or figure"


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


EXTRA = "    timeframe: short\n    indicator: {fr: i, en: i, pt: i}\n"
GOOD = ("  - id: r_ok\n    category: cooperation\n    priority: high\n"
        "    when: {finding_kind: silo}\n    text: {fr: a, en: b, pt: c}\n" + EXTRA)


@pytest.mark.parametrize("bad_rule, message", [
    ("    category: weather\n    priority: high\n    when: {finding_kind: silo}\n    text: {fr: a, en: b, pt: c}\n",
     "category 'weather'"),
    ("    category: cooperation\n    priority: urgent\n    when: {finding_kind: silo}\n    text: {fr: a, en: b, pt: c}\n",
     "priority 'urgent'"),
    ("    category: cooperation\n    priority: high\n    when: {finding_kind: silo}\n    text: {fr: a}\n",
     "text has no 'en' version"),
    ("    category: cooperation\n    priority: high\n    when: {measure: x, under: 3}\n    text: {fr: a, en: b, pt: c}\n",
     "condition: a measure condition"),
    ("    category: cooperation\n    priority: high\n    when: {finding_kind: silo, min_severity: huge}\n"
     "    text: {fr: a, en: b, pt: c}\n", "min_severity 'huge'"),
    ("    category: cooperation\n    priority: high\n    when: {any: []}\n    text: {fr: a, en: b, pt: c}\n",
     "non-empty list"),
    ("    category: cooperation\n    priority: high\n    when: {finding_kind: silo}\n"
     "    text: {fr: '{entities.__class__}', en: b, pt: c}\n", "unknown placeholder"),
    ("    category: cooperation\n    priority: high\n    when: \"__import__('os')\"\n    text: {fr: a, en: b, pt: c}\n",
     "non-empty mapping"),
])
def test_malformed_rule_names_the_file_and_the_rule(tmp_path, bad_rule, message):
    path = write_rules(tmp_path, "rules:\n" + GOOD + "  - id: r_bad\n" + bad_rule + EXTRA)
    with pytest.raises(ReferenceDataError) as info:
        rec.load_rules(path)
    assert str(path) in str(info.value) and "rule 'r_bad'" in str(info.value)
    assert message in str(info.value)


def test_duplicated_rule_id_and_broken_yaml_are_clear_errors(tmp_path):
    path = write_rules(tmp_path, "rules:\n" + GOOD + GOOD)
    with pytest.raises(ReferenceDataError, match="rule 'r_ok': duplicated id"):
        rec.load_rules(path)
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=r"broken.yaml: not valid YAML at line \d"):
        rec.load_rules(broken)


def test_build_recommendations_end_to_end():
    params = workshop_params({"category": "crisis_information", "priority": "medium",
                              "text": {"fr": "Plan de contingence.", "en": "Contingency plan."}})
    findings = [gap("crisis", "SEN-DGPN")]
    recs = rec.build_recommendations(findings, {"profile.share_aware": 0.9}, params, "en", names=NAMES)
    crisis = [r for r in recs if r.category == "crisis_information"]
    assert [r.origin for r in crisis] == ["workshop", "rule"]
    assert crisis[1].id == "crisis_information" and crisis[1].evidence == ("table I.3",)
    frame = rec.recommendations_to_frame(recs, "en")
    assert frame["number"].tolist() == [f"R{i}" for i in range(1, len(recs) + 1)]


def test_rules_read_the_findings_the_analysis_makes():
    crisis_gap = make_finding("coverage_gap", "crisis", codes={"domain": "crisis"},
                              numbers={"n_potential": 1, "is_core": 1})
    formal = make_finding("formal_share", numbers={"formal_share": 0.1, "n_formal": 1, "n_edges": 10})
    recs = rec.evaluate_rules(rec.load_rules(), [crisis_gap, formal], {}, "fr")
    by_id = {r.id: r for r in recs}
    assert set(by_id) == {"crisis_information", "coop_formalise_exchanges"}
    assert by_id["crisis_information"].finding_ids == ("sources.coverage_gap.crisis",)
    # the indicator gives today's value of the measure, in the language's format
    formal = rec.evaluate_rules(rec.load_rules(), [formal], {"network.formal_share": 0.1}, "fr")
    assert "10\u00a0% aujourd’hui" in formal[0].indicator
    assert by_id["coop_formalise_exchanges"].evidence == ("table II.2",)


def test_word_forms_agree_with_the_number_of_institutions():
    rules = rules_of({"id": "hr", "category": "training_hr", "priority": "medium",
                      "when": {"finding_kind": "expressed_need"},
                      "text": {"fr": "Renforcer {entities}, qui {n_entities|signale|signalent} un manque.",
                               "en": "Staff {entities}, which {n_entities|reports|report} a shortage."}})
    one = [fake_finding("f1", "expressed_need", entities=("SEN-OIM",))]
    two = [fake_finding("f2", "expressed_need", entities=("SEN-OIM", "SEN-ANSD"))]
    assert rec.evaluate_rules(rules, one, {}, "fr", names=NAMES)[0].text == "Renforcer OIM, qui signale un manque."
    assert rec.evaluate_rules(rules, two, {}, "en", names=NAMES)[0].text == "Staff OIM and ANSD, which report a shortage."
    with pytest.raises(ReferenceDataError, match="only {n_entities"):
        rules_of({"id": "bad", "category": "training_hr", "priority": "low", "when": {"finding_kind": "x"},
                  "text": {"fr": "{share|a|b}", "en": "b"}})


# ------------------------------------------------------------------------------ who, by when, how to know

ACTORS = __import__("pandas").DataFrame({
    "entity_id": ["SEN-DGMIG", "SEN-ANSD", "SEN-INS2", "SEN-DPAF", "SEN-OIM"],
    "name": ["Direction générale des migrations (DGMIG)", "Agence nationale de la statistique (ANSD)",
             "Institut de statistique régional", "Direction de la police de l’air et des frontières (DPAF)",
             "Organisation internationale pour les migrations (OIM)"],
    "institution_type": ["agency", "statistics_office", "statistics_office", "police_border", "international_org"],
    "is_respondent": [True, True, True, True, False],
    "is_coordinator": [True, False, False, False, False],
    "is_wg_member": [True, True, False, True, False],
    "n_existing_sources": [1, 6, 2, 3, 0], "n_exchanges": [12, 8, 1, 5, 2]})


def test_the_lead_is_the_institution_best_placed_then_the_coordinator_never_empty():
    stats = (rec.parse_selector({"type": "statistics_office"}),)
    params = CountryParams(country="SEN")
    assert rec.resolve_lead(stats, ACTORS, params, "fr") == ("Agence nationale de la statistique (ANSD)", "SEN-ANSD")
    nobody = (rec.parse_selector({"type": "judiciary"}),)
    assert rec.resolve_lead(nobody, ACTORS, params, "fr")[1] == "SEN-DGMIG"  # then the coordinator
    no_coordinator = ACTORS.assign(is_coordinator=False)
    with_authority = CountryParams(country="SEN", endorsement={"authority": "Comité national de pilotage"})
    assert rec.resolve_lead(nobody, no_coordinator, with_authority, "fr") == ("Comité national de pilotage", None)
    assert rec.resolve_lead(nobody, no_coordinator, params, "fr")[0] == "Groupe de travail national sur le profil migratoire"


def test_partners_leave_the_lead_out_and_follow_the_selectors_order():
    selectors = rec.parse_rules({"rules": [{
        "id": "r", "category": "cooperation", "priority": "high", "timeframe": "short",
        "when": {"finding_kind": "silo"}, "lead": {"type": "statistics_office"},
        "partners": [{"type": "statistics_office"}, "triggering"],
        "text": {"fr": "a", "en": "b"}, "indicator": {"fr": "i", "en": "i"}}]}, languages=("fr", "en"))[0]
    silo = fake_finding("network.silo.1", "silo", entities=("SEN-OIM", "SEN-ANSD"))
    [recommendation] = rec.evaluate_rules([selectors], [silo], {}, "en", actors=ACTORS)
    assert recommendation.lead_id == "SEN-ANSD"
    assert recommendation.partner_ids == ("SEN-INS2", "SEN-OIM")
    assert recommendation.timeframe == "short" and recommendation.indicator == "i"


def test_at_most_a_dozen_kept_workshop_and_shown_problems_first():
    many = [rec.Recommendation(f"r{i}", "collection", "low", "…", "en", order=i) for i in range(14)]
    understanding = rec.Recommendation("u", "training_hr", "low", "…", "en", order=20, addresses=("understanding",))
    workshop = rec.Recommendation("workshop.1", "cooperation", "low", "…", "en", origin="workshop", order=1)
    shown = fake_finding("profile.major_challenge.understanding", "major_challenge",
                         codes={"challenge": "understanding"})
    kept, left_out = rec.limit_recommendations([*many, understanding, workshop], [shown], limit=12)
    assert len(kept) == 12 and {"u", "workshop.1"} <= {r.id for r in kept}
    assert [r.id for r in left_out] == ["r10", "r11", "r12", "r13"]
    # without the finding, the recommendation answering "understanding" has no precedence
    kept, _ = rec.limit_recommendations([*many, understanding], [], limit=12)
    assert "u" not in {r.id for r in kept}


def test_a_workshop_recommendation_takes_lead_time_frame_and_indicator_from_the_rule_it_replaces():
    params = workshop_params({"category": "cooperation", "priority": "high",
                              "text": {"fr": "Formaliser les échanges par des protocoles d’accord.",
                                       "en": "Formalise exchanges through memoranda of understanding."}},
                             {"category": "collection", "priority": "low", "timeframe": "long",
                              "lead": "Institut national de la statistique",
                              "text": {"fr": "Créer un observatoire.", "en": "Create an observatory."}})
    rule = rec.Recommendation("coop_formalise_exchanges", "cooperation", "high",
                              "Formalise the exchanges through memoranda of understanding.", "en",
                              lead="Direction générale des migrations", timeframe="medium", indicator="Half formal.")
    merged = rec.merge_workshop_recommendations([rule], params, "en", actors=ACTORS)
    assert [(r.id, r.lead, r.timeframe, r.indicator) for r in merged] == [
        ("workshop.1", "Direction générale des migrations", "medium", "Half formal."),
        ("workshop.2", "Institut national de la statistique", "long",
         "Existing, up-to-date and accessible sources in each domain at the next edition of the profile")]


def test_every_rule_names_a_time_frame_an_indicator_and_a_lead():
    for rule in rec.load_rules():
        assert rule.timeframe in rec.TIMEFRAMES and rule.indicator["fr"] and rule.indicator["en"], rule.id
        assert rule.lead, f"rule {rule.id} names no lead"
    # the five recurring problems of migration profiles each have a rule that answers them
    addressed = {p for rule in rec.load_rules() for p in rule.addresses}
    assert addressed == set(rec.PROBLEMS)


@pytest.fixture(scope="module")
def demo_recommendations():
    from mpanalysis.publish.regional.data import collect_region

    region = collect_region("CIV GHA GMB MAR NER SEN")
    return {snapshot.country: snapshot for snapshot in region.snapshots}


def test_each_demo_country_gets_a_dozen_recommendations_at_most_each_one_actionable(demo_recommendations):
    assert len(demo_recommendations) == 6
    for country, snapshot in demo_recommendations.items():
        recommendations = snapshot.recommendations
        assert 5 <= len(recommendations) <= 12, country
        for r in recommendations:
            assert r.lead.strip() and r.timeframe in rec.TIMEFRAMES and len(r.indicator) > 20, (country, r.id)


def test_the_rules_tell_the_demo_countries_apart(demo_recommendations):
    fired = {c: {r.id for r in s.recommendations if r.origin == "rule"} for c, s in demo_recommendations.items()}
    everywhere = set.intersection(*fired.values())
    somewhere = set.union(*fired.values())
    # most rules that apply somewhere do not apply everywhere (those are the region's own)
    assert len(everywhere) <= len(somewhere) // 3, sorted(everywhere)
