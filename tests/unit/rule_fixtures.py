"""Small hand-made countries that, together, make every finding and recommendation rule fire.

Each fixture is a :class:`Fixture` (a dataset and its parameters) built from a few lines: the
institutions, their sources and the exchanges they report. ``test_rules_fire.py`` runs chapters
I–III on each and checks that every finding kind (``findings.yaml``, ``profile_findings.yaml``),
every severity rule and every recommendation rule (``recommendation_rules.yaml``) fires in at
least one of them. When a rule is added, add or change a fixture so it fires.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mpanalysis.ingest.dataset import CountryDataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, make_empty_table
from mpanalysis.params import CountryParams

CHALLENGES = ("understanding", "dissemination", "ownership", "update", "use")
NEEDS = ("cooperation", "training", "human_resources", "equipment", "data_collection",
         "border_information", "crisis_information")


@dataclass
class Inst:
    """One institution: ``answered`` makes it a respondent; the other fields are its answers."""

    key: str
    type: str | None = "ministry"
    answered: bool = True
    is_coordinator: bool = False      # the entity the network treats as coordinating
    declares_coordinator: bool = False
    declares_member: bool = False
    stages: str = ""
    aware: bool | None = True
    used: bool | None = True
    needs: str = ""
    challenges: dict[str, int] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"SEN-{self.key}"

    @property
    def name(self) -> str:
        return f"Institution {self.key}"


@dataclass(frozen=True)
class Fixture:
    name: str
    dataset: CountryDataset
    params: CountryParams


def _frame(table: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=TABLE_COLUMNS[table]).astype(object) if rows else make_empty_table(table)


def make_country(name: str, institutions: list[Inst], *, sources=(), flows=(), **params) -> Fixture:
    """Return a fixture.

    ``sources``: ``(institution key, domain, status, access, last update year or None)``;
    ``flows``: ``(reporter key, partner key, direction, domains, channel, stages)``, one reported
    flow each (report a link from both sides to confirm it).
    """
    by_key = {i.key: i for i in institutions}
    answered = [i for i in institutions if i.answered]
    tables = {name: make_empty_table(name) for name in TABLE_COLUMNS}
    tables["entities"] = _frame("entities", [
        {"entity_id": i.id, "name": i.name, "acronym": i.key, "institution_type": i.type,
         "sector": "governmental" if i.type in {"ministry", "agency", "statistics_office", "police_border"}
         else "other", "is_respondent": i.answered, "is_coordinator": i.is_coordinator,
         "is_wg_member": i.declares_member or i.is_coordinator, "name_variants": i.name, "n_mentions": 1}
        for i in institutions])
    for column in ("is_respondent", "is_coordinator", "is_wg_member"):
        tables["entities"][column] = tables["entities"][column].astype("boolean")
    respondents = make_empty_table("respondents").reindex(range(len(answered)))
    respondents["submission_id"] = [f"s{n}" for n in range(len(answered))]
    respondents["entity_id"] = [i.id for i in answered]
    respondents["institution_name"] = [i.name for i in answered]
    respondents["institution_type"] = [i.type for i in answered]
    respondents["wg_member"] = pd.array([i.declares_member or i.declares_coordinator for i in answered],
                                        dtype="boolean")
    respondents["wg_coordinator"] = pd.array([i.declares_coordinator for i in answered], dtype="boolean")
    tables["respondents"] = respondents
    tables["mp_use"] = pd.DataFrame({
        "entity_id": [i.id for i in answered],
        "mp_aware": pd.array([i.aware for i in answered], dtype="boolean"),
        "mp_used": pd.array([i.used if i.aware else pd.NA for i in answered], dtype="boolean"),
        "functions": ["dialogue" if i.used else "" for i in answered],
        "use_example": [None] * len(answered)})
    challenges = [{"entity_id": i.id, "challenge": c, "severity": s, "comment": None}
                  for i in answered for c, s in i.challenges.items()]
    tables["challenges"] = pd.DataFrame(challenges, columns=TABLE_COLUMNS["challenges"])
    tables["challenges"]["severity"] = tables["challenges"]["severity"].astype("Int64")
    tables["needs"] = pd.DataFrame([{"entity_id": i.id, "need": n} for i in answered for n in i.needs.split()],
                                   columns=TABLE_COLUMNS["needs"])
    tables["stages"] = _frame("stages", [{"entity_id": i.id, "stage": s}
                                         for i in institutions for s in i.stages.split()])
    tables["sources"] = _frame("sources", [
        {"source_id": f"S{n}", "entity_id": by_key[k].id, "source_name": f"Source {n}", "domain": d,
         "kind": "other", "status": st, "access": ac, "last_update": year, "periodicity": "annual",
         "format": "database"} for n, (k, d, st, ac, year) in enumerate(sources)])
    tables["sources"]["last_update"] = tables["sources"]["last_update"].astype("Int64")
    tables["flows"] = _frame("flows", [
        {"flow_id": f"F{n}", "entity_id": by_key[u].id, "partner_name": by_key[v].name,
         "partner_entity_id": by_key[v].id, "direction": d, "domains": dom, "frequency": "annual",
         "channel": ch, "stages": st} for n, (u, v, d, dom, ch, st) in enumerate(flows)])
    params = CountryParams(country="SEN", reference_year=2025, staleness_years=3, **params)
    return Fixture(name, CountryDataset(country="SEN", **tables), params)


def _clique(keys: str, channel: str = "informal") -> list[tuple]:
    """Every pair of ``keys`` exchanging both ways (one report per pair)."""
    return [(a, b, "exchanges", "trends", channel, "") for n, a in enumerate(keys) for b in keys[n + 1:]]


def troubled_country() -> Fixture:
    """Everything goes wrong: gaps in trends and border management, crisis and development
    sources stale, restricted and never exchanged; a closed silo, a long chain of single points
    of failure, an unreachable coordinator who did not answer, few formal or confirmed exchanges,
    no profile edition, every challenge major, every need expressed."""
    bad = {c: 3 for c in CHALLENGES}
    everything = " ".join(NEEDS)
    people = {"aware": False, "used": None, "needs": everything, "challenges": bad}
    institutions = [
        Inst("H", "statistics_office", declares_coordinator=True, stages="elaboration", **people),
        Inst("K1", "civil_society", **people), Inst("K2", "civil_society", **people),
        Inst("K3", "civil_society", **people), Inst("K4", "civil_society", **people),
        Inst("T1", "agency", **people), Inst("T2", "agency", **people), Inst("T3", "agency", **people),
        Inst("T4", "agency", declares_coordinator=True, declares_member=True, **people),
        Inst("S1", "ministry", **people), Inst("S2", "ministry", **people), Inst("S3", "ministry", **people),
        Inst("U1", "ministry", stages="evaluation", **people), Inst("U2", "ministry", stages="implementation", **people),
        Inst("U3", "ministry", stages="implementation", aware=True, used=False, needs=everything, challenges=bad),
        Inst("A1", "academia", aware=True, used=False, needs=everything, challenges=bad),
        # the coordinator designated by the parameters never answered; a member did not either
        Inst("NR", "agency", answered=False, is_coordinator=True),
        Inst("WG", None, answered=False),
    ]
    flows = [
        *_clique(["K1", "K2", "K3", "K4"]), ("K1", "H", "provides", "trends", "informal", ""),
        ("H", "T1", "exchanges", "trends", "informal", ""), ("T1", "T2", "provides", "trends", "informal", ""),
        ("T2", "T3", "provides", "trends", "informal", ""), ("T3", "T4", "provides", "trends", "informal", ""),
        ("H", "S1", "provides", "trends", "formal_agreement", "elaboration"),
        ("H", "S2", "provides", "trends", "informal", "elaboration"),
        ("H", "S3", "provides", "trends", "informal", ""),
        ("U1", "H", "provides", "trends", "informal", ""), ("U2", "H", "provides", "trends", "informal", ""),
        ("U3", "H", "provides", "trends", "informal", ""), ("A1", "H", "provides", "trends", "informal", ""),
        ("H", "A1", "receives", "trends", "informal", ""),
    ]
    sources = [
        ("H", "trends", "potential", None, None), ("T1", "border_management", "potential", None, None),
        ("S1", "crisis", "existing", "restricted", 2010),
        ("S2", "development", "existing", "restricted", 2012), ("S3", "development", "existing", "internal", None),
        ("A1", "health", "potential", None, None),
    ]
    return make_country("troubled", institutions, sources=sources, flows=flows,
                        coordinator="Institution NR", working_group=["Institution WG", "Unknown body"])


def middling_country() -> Fixture:
    """Half-way: a silo that still talks to others, one institution cut off by a single point of
    failure, a coordinator reaching two thirds of the others, a third of the exchanges formal
    and confirmed; border data restricted, partly stale and never exchanged, no crisis source;
    an edition six years old; awareness, use, challenges and needs at medium levels."""
    some = {c: 2 for c in CHALLENGES}
    mild = {c: 0 for c in CHALLENGES}
    institutions = [
        Inst("C", "agency", is_coordinator=True, declares_coordinator=True, stages="elaboration",
             aware=True, used=True, needs="training cooperation", challenges=some),
        Inst("A", "ministry", stages="implementation", aware=True, used=False, needs="training", challenges=some),
        Inst("B", "ministry", aware=False, used=None, challenges=some),
        Inst("D", "police_border", aware=False, used=None, challenges=some),
        Inst("E", "academia", aware=True, used=False, challenges=mild),
        Inst("F", "civil_society", aware=False, used=None, challenges=mild),
        Inst("G", "civil_society", aware=False, used=None, challenges=mild),
        Inst("P", "ministry", stages="needs_identification", aware=False, used=None, challenges=mild),
    ]
    flows = [
        ("C", "A", "provides", "trends", "formal_agreement", "elaboration"),
        ("A", "C", "receives", "trends", "formal_agreement", "elaboration"),
        ("A", "B", "exchanges", "trends", "informal", "implementation"),
        ("B", "A", "exchanges", "trends", "informal", "implementation"),
        ("B", "C", "provides", "development", "official_request", "needs_identification"),
        ("C", "D", "provides", "trends", "informal", "evaluation"),
        ("D", "E", "provides", "development", "informal", "reformulation"),
        ("F", "G", "exchanges", "trends", "formal_agreement", ""),
        ("G", "F", "exchanges", "trends", "formal_agreement", ""), ("F", "E", "provides", "trends", "informal", ""),
        ("P", "C", "provides", "trends", "informal", ""),
    ]
    sources = [
        ("C", "trends", "existing", "public", 2024), ("A", "development", "existing", "public", 2024),
        ("B", "development", "existing", "public", 2024), ("E", "development", "existing", "public", 2015),
        ("D", "border_management", "existing", "restricted", 2015),
        ("D", "border_management", "existing", "internal", 2024),
        ("D", "border_management", "existing", "restricted", 2023),
        ("E", "crisis", "potential", None, None),
    ]
    profiles = [{"title": "Profil", "year": 2019, "publisher": "INS", "kind": "extended"}]
    return make_country("middling", institutions, sources=sources, flows=flows, profiles=profiles)


def connected_country() -> Fixture:
    """Information flows: a coordinator at the centre of a star, exchanges formal and confirmed,
    crisis data restricted but stale for a minority, everyone aware of an old profile."""
    fine = {c: 1 for c in CHALLENGES}
    leaves = ["L1", "L2", "L3", "L4"]
    institutions = [Inst("HUB", "agency", is_coordinator=True, declares_coordinator=True, stages="elaboration",
                         challenges=fine),
                    *[Inst(k, "ministry", stages="implementation", challenges=fine) for k in leaves]]
    flows = [f for k in leaves for f in (("HUB", k, "provides", "crisis trends", "formal_agreement", "implementation"),
                                          (k, "HUB", "receives", "crisis trends", "formal_agreement", "implementation"),
                                          (k, "HUB", "provides", "crisis", "formal_agreement", "elaboration"),
                                          ("HUB", k, "receives", "crisis", "formal_agreement", "elaboration"))]
    sources = [("HUB", "crisis", "existing", "restricted", 2024), ("L1", "crisis", "existing", "internal", 2024),
               ("L2", "crisis", "existing", "restricted", 2015), ("L3", "trends", "existing", "public", 2024),
               ("L4", "trends", "existing", "public", 2024), ("L4", "trends", "existing", "public", None),
               ("L3", "trends", "existing", "public", 2025)]
    profiles = [{"title": "Profil", "year": 2012, "publisher": "INS", "kind": "extended"}]
    return make_country("connected", institutions, sources=sources, flows=flows, profiles=profiles)


def uncoordinated_country() -> Fixture:
    """No coordinator anywhere, neither declared nor in the parameters."""
    institutions = [Inst("A", "ministry"), Inst("B", "agency"), Inst("C", "academia")]
    flows = [("A", "B", "provides", "trends", "informal", "elaboration"),
             ("B", "C", "provides", "trends", "informal", "implementation")]
    sources = [("A", "trends", "existing", "public", None)]  # no year: the update is undocumented
    return make_country("uncoordinated", institutions, sources=sources, flows=flows)


def make_rule_fixtures() -> list[Fixture]:
    return [troubled_country(), middling_country(), connected_country(), uncoordinated_country()]
