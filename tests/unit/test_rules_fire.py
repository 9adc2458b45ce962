"""Every finding rule, severity threshold and recommendation rule fires in at least one fixture.

The lists are read from the reference files (``findings.yaml``, ``profile_findings.yaml``,
``recommendation_rules.yaml``), so a rule added, renamed or merged there is checked without
touching this file: a rule no fixture makes fire is named in the failure, and a fixture of
``rule_fixtures.py`` must then be made to trigger it (a rule that can never fire is a dead rule).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from rule_fixtures import make_rule_fixtures

from mpanalysis.analysis.findings import load_finding_catalogue
from mpanalysis.analysis.profile import build_profile_measures, find_profile_findings
from mpanalysis.analysis.profile.common import PROFILE_FINDINGS_FILE
from mpanalysis.analysis.profile.indicators import _finding_catalogue
from mpanalysis.analysis.recommendations import evaluate_rules, load_rules
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.policy_cycle import build_policy_cycle_chapter
from mpanalysis.guide.chapters.sources import build_sources_chapter
from mpanalysis.paths import reference_dir


def _severity_branch(spec, numbers) -> str:
    """Which severity rule decided ("rules[0]"…, "otherwise"), as :func:`rate_severity` picks it."""
    value = numbers.get(spec.severity.by)
    if value is not None:
        for n, rule in enumerate(spec.severity.rules):
            if rule.matches(float(value)):
                return f"rules[{n}] ({rule.level})"
    return f"otherwise ({spec.severity.otherwise})"


@pytest.fixture(scope="module")
def fired():
    """What the four fixtures make fire: finding kinds, severity branches, rule ids, per fixture."""
    kinds: dict[str, set[str]] = defaultdict(set)
    branches: dict[tuple[str, str], set[str]] = defaultdict(set)
    rules: dict[str, set[str]] = defaultdict(set)
    catalogues = [load_finding_catalogue(), _finding_catalogue(str(reference_dir() / PROFILE_FINDINGS_FILE))]
    specs = {k: v for c in catalogues for k, v in c.kinds.items()}
    for fixture in make_rule_fixtures():
        ctx = ChapterContext(fixture.dataset, fixture.params, "en")
        sources, network = build_sources_chapter(ctx), build_policy_cycle_chapter(ctx)
        findings = [*sources.findings, *network.findings, *find_profile_findings(fixture.dataset, fixture.params)]
        # the measures chapter IV reads: every earlier chapter's
        measures = {**sources.measures, **network.measures, **build_profile_measures(fixture.dataset, fixture.params)}
        for finding in findings:
            kinds[finding.kind].add(fixture.name)
            if not isinstance(specs[finding.kind].severity, str):
                branches[finding.kind, _severity_branch(specs[finding.kind], finding.numbers)].add(fixture.name)
        for recommendation in evaluate_rules(load_rules(), findings, measures, "en"):
            rules[recommendation.id].add(fixture.name)
    return {"kinds": kinds, "branches": branches, "rules": rules, "specs": specs}


def test_every_finding_kind_fires_in_some_fixture(fired):
    never = [kind for kind in fired["specs"] if kind not in fired["kinds"]]
    assert never == [], f"finding kinds that no fixture makes fire: {never}"


def test_every_severity_threshold_is_reached_in_some_fixture(fired):
    expected = [(kind, _label) for kind, spec in fired["specs"].items() if not isinstance(spec.severity, str)
                for _label in [*(f"rules[{n}] ({r.level})" for n, r in enumerate(spec.severity.rules)),
                               f"otherwise ({spec.severity.otherwise})"]]
    never = [f"{kind}: {branch}" for kind, branch in expected if (kind, branch) not in fired["branches"]]
    assert never == [], f"severity thresholds no fixture reaches: {never}"


def test_every_recommendation_rule_fires_in_some_fixture(fired):
    never = [rule.id for rule in load_rules() if rule.id not in fired["rules"]]
    assert never == [], f"recommendation rules that no fixture makes fire: {never}"

