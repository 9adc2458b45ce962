"""Drawing one demo country's institutions, submissions, sources and exchanges from its seeded generator."""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
import uuid
from dataclasses import dataclass, field

from mpanalysis.errors import ReferenceDataError
from mpanalysis.ingest.form import MAIN, SOURCES, get_field
from mpanalysis.reference import get_codes

#: Variant kinds :func:`make_name_variant` knows.
VARIANT_KINDS = ("canonical", "with_acronym", "acronym", "no_accents", "lower", "upper",
                 "abbreviated", "handwritten", "typo")
_MIRROR = {"provides": "receives", "receives": "provides", "exchanges": "exchanges"}


# --------------------------------------------------------------------------------------------
# small deterministic helpers
# --------------------------------------------------------------------------------------------

def strip_accents(text: str) -> str:
    """Return ``text`` without diacritics.

    >>> strip_accents("Ministère de l'Intérieur")
    "Ministere de l'Interieur"
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def make_name_variant(name: str, acronym: str | None, kind: str, rng: random.Random,
                      abbreviations: dict[str, str] | None = None,
                      handwritten: list[str] | None = None) -> str:
    """Return ``name`` as a respondent might write it (``kind`` is one of :data:`VARIANT_KINDS`).

    Kinds that need what the institution lacks (an acronym, a hand-written variant, an
    abbreviable word) fall back to the canonical name.

    >>> rng = random.Random(1)
    >>> make_name_variant("Ministère de l'Intérieur", "MINT", "no_accents", rng)
    "Ministere de l'Interieur"
    >>> make_name_variant("Institut national de la statistique", "INS", "with_acronym", rng)
    'Institut national de la statistique (INS)'
    >>> make_name_variant("Ministère de l'Intérieur", None, "abbreviated", rng, {"Ministère": "Min."})
    "Min. de l'Intérieur"
    >>> make_name_variant("Gendarmerie nationale", "GN", "typo", rng) != "Gendarmerie nationale"
    True
    """
    if kind not in VARIANT_KINDS:
        raise ValueError(f"unknown variant kind '{kind}'")
    if kind == "with_acronym" and acronym:
        return f"{name} ({acronym})"
    if kind == "acronym" and acronym:
        return acronym
    if kind == "no_accents":
        return strip_accents(name)
    if kind == "lower":
        return name.lower()
    if kind == "upper":
        return name.upper()
    if kind == "abbreviated":
        for word, short in (abbreviations or {}).items():
            pattern = re.compile(rf"\b{re.escape(word)}\b")
            if pattern.search(name):
                return pattern.sub(short, name, count=1)
    if kind == "handwritten" and handwritten:
        return rng.choice(handwritten)
    if kind == "typo":
        words = name.split(" ")
        longest = max(range(len(words)), key=lambda i: (len(words[i]), -i))
        word = words[longest]
        if len(word) >= 6:
            i = rng.randint(1, len(word) - 3)
            words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            return " ".join(words)
    return name


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    codes = list(weights)
    return rng.choices(codes, weights=[weights[c] for c in codes])[0]


def _sample_weighted(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    """Draw ``k`` distinct items, each draw proportional to its weight."""
    items, weights, chosen = list(items), list(weights), []
    for _ in range(min(k, len(items))):
        i = rng.choices(range(len(items)), weights=weights)[0]
        chosen.append(items.pop(i))
        weights.pop(i)
    return chosen


def _ordered(codes: list[str], list_name: str) -> list[str]:
    """Select-multiple answers in reference-list order (as Kobo writes them); unknown codes last."""
    order = get_codes(list_name)
    known = [c for c in order if c in codes]
    return known + [c for c in codes if c not in order]


# --------------------------------------------------------------------------------------------
# the model of one country's answers
# --------------------------------------------------------------------------------------------

@dataclass
class _Institution:
    key: str
    name: str
    type: str
    acronym: str | None = None
    weight: float = 1.0
    hub: bool = False
    coordinator: bool = False
    cluster: str = "core"
    bridge: bool = False
    sources: list[dict] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    translations: dict[str, str] = field(default_factory=dict)


@dataclass
class _Row:
    """One repeat row (a source or a flow), with the problems planted in it."""

    values: dict[str, object]
    planted: list[tuple[str, str, object]] = field(default_factory=list)
    is_pinned: bool = False


@dataclass
class _Submission:
    institution: _Institution
    status: str  # accepted | superseded | invalid | deleted
    answers: dict[str, object]
    sources: list[_Row] = field(default_factory=list)
    flows: list[_Row] = field(default_factory=list)
    planted: list[tuple[str, str, object]] = field(default_factory=list)
    time: dt.datetime | None = None
    index: int = 0
    kobo_id: int = 0
    uuid: str = ""
    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class DemoCountry:
    """One demo country as generated: the export's sheets, the parameters, what was planted.

    ``sheets`` maps each sheet name to its rows (header first) exactly as written to the XLSX.
    ``expected_issues`` lists every row the validation must set aside or warn about, as dicts
    with ``kind, sheet, row, column, value, action`` (row numbered as a spreadsheet shows it).
    """

    iso3: str
    file_name: str
    sheets: dict[str, list[list[object]]]
    params: dict
    expected_issues: list[dict]
    respondents: tuple[str, ...]
    partners_only: tuple[str, ...]
    duplicated: tuple[str, ...]
    created: dt.datetime


class _CountryBuilder:
    """Builds one country's submissions from the configuration with one seeded generator."""

    def __init__(self, iso3: str, config: dict) -> None:
        self.iso3 = iso3
        self.config = config
        self.country = config["countries"][iso3]
        self.texts = config["texts"]
        self.lang = self.country["language"]
        self.rng = random.Random(f"{config['seed']}:{iso3}")
        self.catalogue = [_Institution(**entry) for entry in config["institutions"][self.country["catalogue"]]]
        self.by_key = {inst.key: inst for inst in self.catalogue}
        self.reference_year = int(config["reference_year"])
        self.phone_counter = 0

    # -- who is named, who answered --------------------------------------------------------
    def select_institutions(self) -> None:
        c, rng = self.country, self.rng
        silent_hubs = list(c.get("non_responding_hubs", []))
        self.respondents = [i for i in self.catalogue if i.hub and i.key not in silent_hubs]
        self.partners = [i for i in self.catalogue if i.hub and i.key in silent_hubs]
        self.silos: dict[str, list[_Institution]] = {}
        for cluster, size in c.get("silos", {}).items():
            members = [i for i in self.catalogue if i.cluster == cluster]
            bridges = [m for m in members if m.bridge]
            others = [m for m in members if not m.bridge]
            rng.shuffle(others)
            chosen = (bridges + others)[:size]
            self.silos[cluster] = chosen
            # Two members answer so the silo has exchanges of its own; the others are only named.
            self.respondents += chosen[:2]
            self.partners += chosen[2:]
        selected = {i.key for i in self.respondents + self.partners}
        pool = [i for i in self.catalogue if i.key not in selected and i.cluster not in self.silos]
        rng.shuffle(pool)
        n_resp = c["respondents"] - len(self.respondents)
        n_part = c["partners_only"] - len(self.partners)
        if n_resp < 0 or n_part < 0 or n_resp + n_part > len(pool):
            raise ReferenceDataError(f"demo country {self.iso3}: the catalogue cannot provide "
                             f"{c['respondents']} respondents and {c['partners_only']} partners")
        self.respondents += pool[:n_resp]
        self.partners += pool[n_resp:n_resp + n_part]
        self.unused = pool[n_resp + n_part:]
        self.coordinator = next(i for i in self.catalogue if i.coordinator)
        if self.coordinator not in self.respondents:
            raise ReferenceDataError(f"demo country {self.iso3}: the coordinator must answer")
        self.silo_keys = {m.key: cluster for cluster, members in self.silos.items() for m in members}
        # Special roles are drawn from ordinary core respondents only, so hubs stay hubs.
        ordinary = [i for i in self.respondents if not i.hub and i.key not in self.silo_keys]
        roles = c.get("roles", {})
        producers = [i for i in ordinary if i.sources]
        self.producer_only = rng.sample(producers, roles.get("producer_only", 0))
        rest = [i for i in ordinary if i not in self.producer_only]
        self.user_only = rng.sample(rest, roles.get("user_only", 0))
        rest = [i for i in rest if i not in self.user_only]
        self.isolated = rng.sample(rest, roles.get("isolated", 0))
        self.special = {i.key for i in self.producer_only + self.user_only + self.isolated}

    def list_invited(self) -> list[_Institution] | None:
        """The institutions the questionnaire was sent to (``invited`` in the configuration), or
        None when the country lists none. Drawn with a generator of their own, after everything
        else, so the answers do not depend on the list."""
        spec = self.country.get("invited")
        if spec is None:
            return None
        rng = random.Random(f"{self.config['seed']}:{self.iso3}:invited")
        ordinary = [i for i in self.respondents if not i.hub and not i.coordinator]
        uninvited = set(map(id, rng.sample(ordinary, spec.get("uninvited_respondents", 0))))
        silent_hubs = [i for i in self.partners if i.key in self.country.get("non_responding_hubs", [])]
        others = [i for i in self.partners if i not in silent_hubs]
        n_partners = spec.get("partners", 0)
        if n_partners < len(silent_hubs) or n_partners > len(self.partners) or spec.get("not_named", 0) > len(self.unused):
            raise ReferenceDataError(f"demo country {self.iso3}: 'invited' asks for more institutions than "
                                     "there are (or fewer partners than silent hubs)")
        invited = [i for i in self.respondents if id(i) not in uninvited]
        invited += silent_hubs + rng.sample(others, n_partners - len(silent_hubs))
        invited += self.unused[:spec.get("not_named", 0)]  # invited, never answered, never named
        return sorted(invited, key=lambda i: i.name.casefold())

    # -- the exchanges ---------------------------------------------------------------------
    def _new_flow(self, reporter: _Institution, partner: _Institution, direction: str | None = None) -> dict:
        rng, texts = self.rng, self.texts
        domains = sorted({s["domain"] for s in reporter.sources + partner.sources})
        if not domains or rng.random() < 0.2:
            domains = get_codes("domains")
        picked = rng.sample(domains, 2 if rng.random() < 0.3 and len(domains) > 1 else 1)
        stages = [s for s, p in texts["type_stages"][reporter.type].items() if rng.random() < p * 0.5]
        # Filtered after the draws, so the rest of the country's answers stay the same.
        unexchanged = set(self.country.get("domains_without_exchange", []))
        if unexchanged & set(picked):
            picked = [d for d in picked if d not in unexchanged] or \
                [next(d for d in get_codes("domains") if d not in unexchanged)]
        stages = [s for s in stages if s not in self.country.get("stages_without_flows", [])]
        return {
            "reporter": reporter, "partner": partner,
            "direction": direction or _weighted(rng, texts["directions"]),
            "domains": [] if rng.random() < 0.05 else picked,
            "frequency": None if rng.random() < 0.08 else _weighted(rng, texts["frequencies"]),
            "channel": None if rng.random() < 0.05 else _weighted(rng, texts["channels"]),
            "stages": [] if rng.random() < 0.25 else stages[:2],
            "written": None,
        }

    def build_flows(self) -> None:
        rng = self.rng
        core_named = [i for i in self.respondents + self.partners if i.key not in self.silo_keys]
        targets = [i for i in core_named if i.key not in self.special]
        stats = self.by_key["stats"]
        flows: list[dict] = []
        for reporter in self.respondents:
            if reporter.key in self.silo_keys or reporter.key in self.special:
                continue
            k = rng.randint(4, 8) if reporter.hub else rng.choices([0, 1, 2, 3, 4], [8, 25, 30, 22, 15])[0]
            others = [t for t in targets if t is not reporter]
            for partner in _sample_weighted(rng, others, [t.weight for t in others], k):
                flows.append(self._new_flow(reporter, partner))
        hubs = [i for i in core_named if i.hub]
        for producer in self.producer_only:
            for hub in rng.sample(hubs, rng.randint(1, 2)):
                flows.append(self._new_flow(producer, hub, "receives"))
        for user in self.user_only:
            for hub in rng.sample(hubs, rng.randint(1, 2)):
                flows.append(self._new_flow(user, hub, "provides"))
        for members in self.silos.values():
            answering = [m for m in members if m in self.respondents]
            for reporter in answering:
                others = [m for m in members if m is not reporter]
                for partner in rng.sample(others, rng.randint(1, len(others))):
                    flows.append(self._new_flow(reporter, partner))
            named = {f["partner"].key for f in flows} | {f["reporter"].key for f in flows}
            for member in members:
                if member.key not in named and answering:
                    flows.append(self._new_flow(answering[0], member))
            if members[0].bridge and members[0] in self.respondents:
                flows.append(self._new_flow(members[0], stats, "exchanges"))
        # Every partner that never answered is named at least once (else it would not exist).
        reporters = [i for i in self.respondents if i.key not in self.silo_keys and i.key not in self.special]
        named = {f["partner"].key for f in flows}
        for partner in self.partners:
            if partner.key not in named and partner.key not in self.silo_keys:
                flows.append(self._new_flow(rng.choice(reporters), partner))
        # Some exchanges are reported by both sides ("confirmed"); most by one side only.
        respondent_keys = {i.key for i in self.respondents}
        reported = {(f["reporter"].key, f["partner"].key) for f in flows}
        for flow in list(flows):
            reporter, partner = flow["reporter"], flow["partner"]
            if (partner.key in respondent_keys and partner.key not in self.special
                    and (partner.key, reporter.key) not in reported
                    and rng.random() < self.country["confirm_share"]):
                mirror = dict(flow, reporter=partner, partner=reporter, direction=_MIRROR[flow["direction"]],
                              written=None)
                if rng.random() < 0.2:
                    mirror["channel"] = _weighted(rng, self.texts["channels"])
                flows.append(mirror)
                reported.add((partner.key, reporter.key))
        self._write_partner_names(flows)
        self.flows = flows

    def _write_partner_names(self, flows: list[dict]) -> None:
        rng, texts = self.rng, self.texts
        abbreviations = texts["abbreviations"][self.lang]
        for flow in flows:
            partner = flow["partner"]
            kind = _weighted(rng, texts["partner_variants"])
            flow["written"] = make_name_variant(partner.name, partner.acronym, kind, rng,
                                                abbreviations, partner.variants)
        for pinned in self.country.get("pinned_variants", []):
            entity = self.by_key[pinned["entity"]]
            candidates = [f for f in flows if f["partner"] is entity and not f.get("is_pinned")]
            if not candidates:
                reporters = [i for i in self.respondents if i is not entity and i.key not in self.special
                             and i.key not in self.silo_keys]
                candidates = [self._new_flow(rng.choice(reporters), entity)]
                flows.append(candidates[0])
            chosen = rng.choice(candidates)
            chosen["written"] = pinned["variant"]
            chosen["is_pinned"] = True

    # -- the answers -----------------------------------------------------------------------
    def _person(self) -> dict[str, str | None]:
        rng, texts = self.rng, self.texts
        initial = rng.choice(texts["initials"])
        family = rng.choice(texts["family_names"][self.country["names"]])
        self.phone_counter += 1
        local = re.sub(r"[^a-z]", "", strip_accents(family).lower())
        return {
            "respondent_name": f"{initial}. {family}",
            "respondent_function": None if rng.random() < 0.1 else rng.choice(texts["respondent_functions"][self.lang]),
            "respondent_email": None if rng.random() < 0.1 else f"{initial.lower()}.{local}@example.org",
            "respondent_phone": None if rng.random() < 0.2 else f"+{self.country['dial_code']} 00 000 00 {self.phone_counter:02d}",
        }

    def _pick_functions(self) -> list[str]:
        picked = [f for f in get_codes("mp_functions") if self.rng.random() < 0.45]
        return picked or ["information_package"]

    def _answers(self, inst: _Institution) -> dict[str, object]:
        rng, texts = self.rng, self.texts
        is_member = inst.hub or inst.coordinator or rng.random() < 0.35
        is_aware = rng.random() < (0.9 if inst.hub else 0.6)
        is_used = is_aware and rng.random() < 0.55
        stages = [s for s, p in texts["type_stages"][inst.type].items() if rng.random() < p]
        answers: dict[str, object] = {
            "country": self.iso3,
            "institution_name": inst.name,
            "institution_acronym": inst.acronym if rng.random() > 0.15 else None,
            "institution_type": inst.type,
            **self._person(),
            "consent_publish_contact": "yes" if rng.random() < 0.55 else "no",
            "wg_member": "yes" if is_member else "no",
            "wg_coordinator": ("yes" if inst.coordinator else ("no" if rng.random() > 0.1 else None))
            if is_member else None,
            "policy_stages": None if rng.random() < 0.08 else stages,
            "mp_aware": "yes" if is_aware else "no",
            "mp_used": ("yes" if is_used else "no") if is_aware else None,
            "mp_functions": self._pick_functions() if is_used else None,
            "mp_use_example": rng.choice(texts["mp_use_example"][self.lang])
            if is_used and rng.random() < 0.6 else None,
        }
        for challenge, weights in texts["challenge_severity"].items():
            answers[f"challenge_{challenge}"] = (None if rng.random() < 0.07
                                                 else str(rng.choices(range(4), weights)[0]))
        answers["challenge_other"] = (rng.choice(texts["challenge_other"][self.lang])
                                      if rng.random() < 0.12 else None)
        answers["needs"] = [n for n, p in texts["needs"].items() if rng.random() < p] or None
        answers["needs_comment"] = rng.choice(texts["needs_comment"][self.lang]) if rng.random() < 0.3 else None
        answers["good_practice"] = rng.choice(texts["good_practice"][self.lang]) if rng.random() < 0.25 else None
        return answers

    def _sources(self, inst: _Institution) -> list[_Row]:
        rng, texts, c = self.rng, self.texts, self.country
        rows = []
        for template in inst.sources:
            if not inst.hub and rng.random() > 0.85:
                continue
            domain = template["domain"]
            is_gap = domain in c.get("domains_without_existing_source", [])
            status = "potential" if is_gap or rng.random() < 0.1 else "existing"
            if domain in c.get("restricted_domains", []):
                access = rng.choice(["restricted", "internal"])
            else:
                access = template.get("access") or _weighted(rng, texts["access"])
            if status == "existing" and rng.random() > 0.1:
                lag = rng.randint(5, 14) if rng.random() < c["stale_share"] else rng.randint(0, 2)
                last_update: object = self.reference_year - lag
            else:
                last_update = None
            rows.append(_Row({
                "source_name": template["name"],
                "source_domain": domain,
                "source_kind": template["kind"],
                "source_status": status,
                "source_periodicity": None if rng.random() < 0.05
                else template.get("periodicity") or _weighted(rng, texts["frequencies"]),
                "source_last_update": last_update,
                "source_format": None if rng.random() < 0.08 else _weighted(rng, texts["formats"]),
                "source_access": None if rng.random() < 0.05 else access,
            }))
        return rows

    @staticmethod
    def _flow_row(flow: dict) -> _Row:
        return _Row({
            "flow_partner": flow["written"],
            "flow_direction": flow["direction"],
            "flow_domains": list(flow["domains"]) or None,
            "flow_frequency": flow["frequency"],
            "flow_channel": flow["channel"],
            "flow_stages": list(flow["stages"]) or None,
        }, is_pinned=bool(flow.get("is_pinned")))

    def build_submissions(self) -> None:
        rng = self.rng
        subs = []
        for inst in self.respondents:
            sub = _Submission(inst, "accepted", self._answers(inst), self._sources(inst),
                              [self._flow_row(f) for f in self.flows if f["reporter"] is inst])
            subs.append(sub)
        # Duplicates: an institution answered twice; the earlier, less complete answer is superseded.
        candidates = [s for s in subs if s.institution is not self.coordinator
                      and s.institution.key not in self.special and s.institution.key not in self.silo_keys]
        self.duplicated = rng.sample(candidates, self.country.get("duplicates", 0))
        for sub in self.duplicated:
            answers = dict(sub.answers)
            answers["institution_name"] = make_name_variant(
                sub.institution.name, None, rng.choice(["canonical", "no_accents", "lower"]), rng)
            for challenge in rng.sample(sorted(self.texts["challenge_severity"]), 2):
                answers[f"challenge_{challenge}"] = str(rng.randint(0, 3))
            answers["good_practice"] = None
            earlier = _Submission(sub.institution, "superseded", answers,
                                  [_Row(dict(r.values)) for r in sub.sources[: max(0, len(sub.sources) - 1)]],
                                  [_Row(dict(r.values)) for r in sub.flows[: (len(sub.flows) + 1) // 2]])
            earlier.later = sub  # type: ignore[attr-defined]
            subs.append(earlier)
        self.submissions = subs

    # -- the bad rows ----------------------------------------------------------------------
    def _spare_institution(self) -> _Institution:
        if not self.unused:
            raise ReferenceDataError(f"demo country {self.iso3}: no institution left in the catalogue for a planted row")
        return self.unused.pop(0)

    def plant_problems(self) -> None:
        rng = self.rng
        protected = {id(s) for s in self.duplicated} | {id(s) for s in self.submissions if s.status != "accepted"}
        clean = [s for s in self.submissions if s.status == "accepted" and id(s) not in protected
                 and s.institution is not self.coordinator]
        used: set[int] = set()
        for problem in self.country.get("planted_problems", []):
            kind, table, column = problem["kind"], problem["table"], problem.get("column")
            value = problem.get("value")
            if kind == "orphan_repeat":
                inst = self._spare_institution()
                sub = _Submission(inst, "deleted", self._answers(inst))
                if table == SOURCES:
                    sub.sources = self._sources(inst)[:1] or [_Row({
                        "source_name": self.by_key["stats"].sources[0]["name"], "source_domain": "trends",
                        "source_kind": "other", "source_status": "existing", "source_periodicity": None,
                        "source_last_update": self.reference_year - 1, "source_format": None,
                        "source_access": None})]
                    sub.sources[0].planted.append((kind, "_parent_index", None))
                else:
                    flow = self._new_flow(inst, self.by_key["stats"])
                    flow["written"] = self.by_key["stats"].name
                    sub.flows = [self._flow_row(flow)]
                    sub.flows[0].planted.append((kind, "_parent_index", None))
                self.submissions.append(sub)
            elif table == MAIN and kind == "malformed_email":
                target = rng.choice([s for s in clean if id(s) not in used])
                used.add(id(target))
                target.answers[column] = value
                target.planted.append((kind, column, value))
            elif table == MAIN:
                inst = self._spare_institution()
                sub = _Submission(inst, "invalid", self._answers(inst), self._sources(inst)[:1])
                hubs = [i for i in self.respondents if i.hub]
                for hub in rng.sample(hubs, 2):
                    flow = self._new_flow(inst, hub)
                    flow["written"] = hub.name
                    sub.flows.append(self._flow_row(flow))
                sub.answers[column] = value
                sub.planted.append((kind, column, value))
                self.submissions.append(sub)
            else:
                rows = [r for s in clean for r in getattr(s, table)
                        if id(r) not in used and not r.is_pinned and not r.planted
                        and (kind == "empty_required" or r.values.get(column) not in (None, []))
                        and (column != "source_last_update" or r.values["source_status"] == "existing")]
                target = rng.choice(rows)
                used.add(id(target))
                if get_field(column).kind == "select_multiple":
                    target.values[column] = list(target.values[column]) + [value]
                else:
                    target.values[column] = value
                target.planted.append((kind, column, value))

    # -- times and Kobo identifiers --------------------------------------------------------
    def stamp_submissions(self) -> None:
        rng, c = self.rng, self.country
        offset = c["utc_offset"]
        sign = 1 if offset[0] == "+" else -1
        shift = dt.timedelta(hours=sign * int(offset[1:3]), minutes=sign * int(offset[4:6]))
        first, last = c["questionnaire"]["start"], c["questionnaire"]["end"]
        workdays = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
                    if (first + dt.timedelta(days=n)).weekday() < 5]
        for sub in self.submissions:
            # Institutions answer during office hours (local time); Kobo records UTC.
            local = dt.datetime.combine(rng.choice(workdays), dt.time(8, 0))
            sub.time = local + dt.timedelta(seconds=rng.randrange(int(10.5 * 3600))) - shift
        for sub in self.submissions:
            later = getattr(sub, "later", None)
            if later is not None and sub.time >= later.time:
                sub.time, later.time = later.time, sub.time
                if sub.time == later.time:
                    sub.time -= dt.timedelta(hours=2)
        self.submissions.sort(key=lambda s: s.time)
        kobo_id = 300_000_000 + rng.randrange(100_000_000)
        for position, sub in enumerate(self.submissions, start=1):
            kobo_id += rng.randint(1, 40)
            sub.index, sub.kobo_id = position, kobo_id
            sub.uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            end = sub.time + shift - dt.timedelta(seconds=rng.randint(5, 600))
            begin = end - dt.timedelta(seconds=rng.randint(900, 7200))
            sub.end = f"{end:%Y-%m-%dT%H:%M:%S}.{rng.randint(0, 999):03d}{offset}"
            sub.start = f"{begin:%Y-%m-%dT%H:%M:%S}.{rng.randint(0, 999):03d}{offset}"
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        self.version = self.config.get("form_version_prefix", "v") + "".join(rng.choice(letters) for _ in range(21))
