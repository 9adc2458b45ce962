"""Matching written names to entities: aliases, clusters, acronyms, fuzzy scores, stable ids."""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from mpanalysis.ingest.reconcile.names import (
    _ACRONYM_MAX_CHARS,
    NameRules,
    _acronym_key,
    _clean_acronym,
    _collapse,
    _fold,
    _normalize,
    _split,
    load_name_rules,
)
from mpanalysis.reference import get_attribute

#: A partner left apart whose best candidate scores within this many points of the threshold is a
#: near miss: reported as a warning with a ready-made alias, for a person to decide.
NEAR_MISS_POINTS = 12.0

#: Two candidates whose scores are this close are reported as an ambiguity.
AMBIGUITY_MARGIN_POINTS = 3.0

#: Below this score a partner's best candidate is not worth showing in the report.
REPORT_MIN_SCORE = 60.0

#: Words that differ between two names must be at least this similar (a typo, not another word).
SAME_WORDS_MIN_SCORE = 80.0

#: Longest slug of an entity id (after ``<ISO3>-``).
SLUG_MAX_CHARS = 40

METHODS = ("exact", "acronym", "alias", "fuzzy", "new")

ENTITY_COLUMNS = ["entity_id", "name", "acronym", "institution_type", "sector", "is_respondent",
                  "name_variants", "n_mentions"]
MATCH_COLUMNS = ["name", "entity_id", "entity_name", "score", "method"]
UNRESOLVED_COLUMNS = ["name", "best_candidate", "best_score", "entity_id", "is_near_miss", "acronym_expansion"]
INSTITUTION_COLUMNS = ["submission_id", "institution_name", "institution_acronym", "institution_type"]

# Rows of rapidfuzz score matrices computed at once: bounds memory (rows x names x 8 bytes).
_CHUNK_ROWS = 512


# --------------------------------------------------------------------------------------------
# Matching helpers
# --------------------------------------------------------------------------------------------

def _are_other_words(norm_a: str, norm_b: str) -> bool:
    """True when the names differ by words that are not spelling variants of each other, or by a
    number: "ministere interieur" vs "ministere economie" are two ministries, "centre 12" and
    "centre 123" two centres, whatever their score.

    >>> _are_other_words("ministere interieur", "ministere exterieur")
    True
    >>> _are_other_words("ministere interieur", "minstere interieur")
    False
    """
    words_a, words_b = set(norm_a.split()), set(norm_b.split())
    only_a, only_b = words_a - words_b, words_b - words_a
    if any(any(c.isdigit() for c in w) for w in only_a | only_b):
        return True
    if not only_a or not only_b:
        return False
    return fuzz.token_sort_ratio(" ".join(sorted(only_a)), " ".join(sorted(only_b))) < SAME_WORDS_MIN_SCORE


def _sort_tokens(norm: str) -> str:
    """``token_sort_ratio(a, b)`` is ``ratio`` of the sorted-token strings: sorting once per name
    instead of once per pair makes ``cdist`` about four times faster."""
    return " ".join(sorted(norm.split()))


def _iter_close_pairs(norms: list[str], threshold: float) -> Iterable[tuple[int, int, float]]:
    """Pairs ``(i, j)`` of distinct names (indices into ``norms``) whose ``token_sort_ratio`` is at
    least ``threshold``, each pair once.

    Names are sorted by length and each chunk of rows is compared only with names long enough and
    not too long to reach the threshold: the Indel similarity of lengths a ≤ b is at most
    2a / (a + b), so b ≤ a (200 - threshold) / threshold.
    """
    keys = [_sort_tokens(n) for n in norms]
    order = sorted(range(len(keys)), key=lambda i: (len(keys[i]), keys[i]))
    ordered = [keys[i] for i in order]
    lengths = [len(k) for k in ordered]
    stretch = (200.0 - threshold) / max(threshold, 1.0)
    for start in range(0, len(ordered), _CHUNK_ROWS):
        rows = ordered[start:start + _CHUNK_ROWS]
        stop = bisect.bisect_right(lengths, lengths[start + len(rows) - 1] * stretch)
        scores = process.cdist(rows, ordered[start:stop], scorer=fuzz.ratio,
                               score_cutoff=threshold, dtype=np.float64, workers=-1)
        for i, j in zip(*np.nonzero(scores)):
            if j > i:
                yield order[start + int(i)], order[start + int(j)], float(scores[i, j])


class _DisjointSet:
    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index becomes the root: the result never depends on call order anyway,
            # but a fixed rule keeps debugging predictable.
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class _Node:
    """All written names sharing one normalised form."""

    norm: str
    is_bare: bool = True
    respondent_names: Counter = field(default_factory=Counter)
    partner_names: Counter = field(default_factory=Counter)
    respondent_acronyms: Counter = field(default_factory=Counter)
    partner_acronyms: Counter = field(default_factory=Counter)
    keys: set = field(default_factory=set)
    types: Counter = field(default_factory=Counter)
    submissions: list = field(default_factory=list)
    is_virtual: bool = False  # created for an alias target nobody wrote
    alias_target: str | None = None  # the alias target text that resolved to this node
    is_pinned: bool = False

    @property
    def is_respondent(self) -> bool:
        return bool(self.submissions)

    @property
    def initials(self) -> str:
        words = self.norm.split()
        if self.is_bare or len(words) < 2:
            return ""
        return "".join(w[0] for w in words).upper()


def _text_or_none(value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _display_form(raw: str) -> str:
    """A written name as it may be shown: without its acronym, stray spaces or final full stop."""
    return _split(raw)[0].rstrip(" .,;:")


def _best_form(counts: Counter) -> str | None:
    """Most frequent form; ties: neither all capitals nor all lower case, the longest, with
    accents, then alphabetical.

    >>> _best_form(Counter({"MINISTERE DE L'INTERIEUR": 1, "Ministère de l'Intérieur": 1, "MI": 1}))
    "Ministère de l'Intérieur"
    """
    if not counts:
        return None
    return min(counts, key=lambda form: (-counts[form], form.isupper() or form.islower(), -len(form),
                                         -sum(not c.isascii() for c in form), form))


@dataclass(frozen=True)
class Reconciliation:
    """Where every written institution name ended up.

    ``submission_entity`` maps each submission id to its institution's entity id;
    ``partner_entity`` maps each partner name exactly as written to an entity id; ``entities`` has
    one row per institution (columns :data:`ENTITY_COLUMNS`); ``matches`` one row per distinct
    written name with how it was matched (:data:`MATCH_COLUMNS`; method one of :data:`METHODS`);
    ``unresolved`` the partner names that matched no responding institution (they became
    non-respondent entities) and the ambiguous matches, for review (:data:`UNRESOLVED_COLUMNS`).
    """

    submission_entity: dict[str, str]
    partner_entity: dict[str, str]
    entities: pd.DataFrame
    matches: pd.DataFrame
    unresolved: pd.DataFrame


# --------------------------------------------------------------------------------------------
# Reconciliation
# --------------------------------------------------------------------------------------------

class _Reconciler:
    def __init__(self, country: str, threshold: float, rules: NameRules) -> None:
        self.country = country.strip().upper()
        self.threshold = float(threshold)
        self.rules = rules
        self.nodes: list[_Node] = []
        self.by_norm: dict[str, int] = {}
        self.sets = _DisjointSet()
        # node -> (method, score) of the edge that brought it into its cluster
        self.joined: dict[int, tuple[str, float]] = {}
        # partner node -> (best candidate node, best score, is ambiguous)
        self.candidates: dict[int, tuple[int | None, float, bool]] = {}
        self.unnamed_partners: Counter = Counter()
        self.sector_words = {
            sector: ({w for w in words if " " not in w}, [f" {w} " for w in words if " " in w])
            for sector, words in rules.sector_keywords.items()}
        self.norm_cache: dict[str, str] = {}

    def normalize(self, name: str) -> str:
        norm = self.norm_cache.get(name)
        if norm is None:
            norm = self.norm_cache[name] = _normalize(name, self.rules)
        return norm

    # -- nodes --------------------------------------------------------------------------------
    def node_for(self, norm: str) -> int:
        index = self.by_norm.get(norm)
        if index is None:
            index = self.sets.add()
            self.nodes.append(_Node(norm=norm))
            self.by_norm[norm] = index
        return index

    def add_respondents(self, institutions: pd.DataFrame) -> dict[str, int]:
        missing = [c for c in INSTITUTION_COLUMNS if c not in institutions.columns]
        if missing:
            raise KeyError(f"institutions table lacks columns {missing}")
        submission_node: dict[str, int] = {}
        for submission_id, raw_name, raw_acronym, raw_type in institutions[INSTITUTION_COLUMNS].itertuples(
                index=False, name=None):
            name = _text_or_none(raw_name)
            acronym_text = _text_or_none(raw_acronym)
            if name is None:
                name = acronym_text
            sid = str(submission_id)
            if name is None:
                # Nothing to match on: the submission stands alone.
                index = self.node_for(f"\x00{sid}")
                self.nodes[index].submissions.append(sid)
                submission_node[sid] = index
                continue
            _, split_acr, is_bare = _split(name)
            norm = self.normalize(name) or f"\x00{sid}"
            index = self.node_for(norm)
            node = self.nodes[index]
            node.is_bare = node.is_bare and is_bare
            node.respondent_names[raw_name if isinstance(raw_name, str) else name] += 1
            node.submissions.append(sid)
            given_key = _acronym_key(acronym_text, self.rules)
            acronym = _clean_acronym(acronym_text) if given_key else split_acr
            key = given_key or _acronym_key(split_acr, self.rules)
            if key:
                node.keys.add(key)
                node.respondent_acronyms[acronym] += 1
            kind = _text_or_none(raw_type)
            if kind:
                node.types[kind] += 1
            submission_node[sid] = index
        return submission_node

    def add_partners(self, partner_names: Iterable[object]) -> None:
        mentions = Counter(p for p in partner_names if isinstance(p, str) and p.strip())
        for raw, count in sorted(mentions.items()):
            _, acronym, is_bare = _split(raw)
            norm = self.normalize(raw)
            if not norm:
                self.unnamed_partners[raw] += count
                continue
            index = self.node_for(norm)
            node = self.nodes[index]
            node.is_bare = node.is_bare and is_bare
            node.partner_names[raw] += count
            key = _acronym_key(acronym, self.rules)
            if key:
                node.keys.add(key)
                node.partner_acronyms[_clean_acronym(acronym)] += count

    def mark_lowercase_acronyms(self) -> None:
        """A one-word name written in lower case ("Dgsn") that is a known acronym is an acronym."""
        known = {key for node in self.nodes for key in node.keys}
        for node in self.nodes:
            if (not node.is_bare and " " not in node.norm and len(node.norm) <= _ACRONYM_MAX_CHARS
                    and node.norm.upper() in known):
                node.is_bare = True
                node.keys.add(node.norm.upper())

    # -- step 1: aliases ----------------------------------------------------------------------
    def apply_aliases(self, aliases: dict[str, str] | None) -> None:
        pinned: dict[str, str] = {}
        for variant, target in (aliases or {}).items():
            variant_norm = self.normalize(variant) if isinstance(variant, str) else ""
            if variant_norm and isinstance(target, str) and target.strip():
                pinned[variant_norm] = target.strip()
        for variant_norm, target in sorted(pinned.items()):
            index = self.by_norm.get(variant_norm)
            if index is None:
                continue  # the alias names nothing in this edition's answers
            target_index = self.resolve_alias_target(target, exclude=index)
            if target_index is None:
                continue
            node = self.nodes[target_index]
            node.alias_target = min(node.alias_target or target, target)
            if target_index == index:
                continue  # the variant already is the target's name: nothing to pin
            self.nodes[index].is_pinned = True
            self.sets.union(index, target_index)
            self.joined[index] = ("alias", 100.0)

    def resolve_alias_target(self, target: str, exclude: int) -> int | None:
        target_norm = self.normalize(target)
        if target_norm in self.by_norm:
            return self.by_norm[target_norm]
        base, acronym, is_bare = _split(target)
        key = _acronym_key(acronym, self.rules)
        if key:
            holders = [i for i, node in enumerate(self.nodes) if key in node.keys and i != exclude]
            if holders:
                return min(holders, key=lambda i: (not self.nodes[i].is_respondent, self.nodes[i].norm))
        if not target_norm:
            return None
        index = self.node_for(target_norm)
        node = self.nodes[index]
        node.is_virtual = True
        node.is_bare = is_bare
        if key:
            node.keys.add(key)
        return index

    # -- steps 2 and 4: clustering a pool of names among themselves ---------------------------
    def cluster(self, pool: list[int]) -> None:
        pool = sorted(pool, key=lambda i: self.nodes[i].norm)
        by_key: dict[str, list[int]] = defaultdict(list)
        for i in pool:
            for key in self.nodes[i].keys:
                by_key[key].append(i)
        for key in sorted(by_key):
            members = by_key[key]
            named = [i for i in members if not self.nodes[i].is_bare]
            bare = [i for i in members if self.nodes[i].is_bare]
            has_namesakes = False
            for a, b in itertools.combinations(named, 2):
                if self.are_namesakes(a, b, key):
                    has_namesakes = True
                else:
                    self.sets.union(a, b)
                    self.joined.setdefault(a, ("acronym", 100.0))
                    self.joined.setdefault(b, ("acronym", 100.0))
            # The bare acronym cannot tell namesakes apart: it joins only an unambiguous group.
            if not has_namesakes:
                for i in bare:
                    for other in named or bare:
                        if other != i:
                            self.sets.union(i, other)
                            self.joined.setdefault(i, ("acronym", 100.0))
                            self.joined.setdefault(other, ("acronym", 100.0))
        full = [i for i in pool if not self.nodes[i].is_bare]
        norms = [self.nodes[i].norm for i in full]
        for a, b, score in _iter_close_pairs(norms, self.threshold):
            if not _are_other_words(norms[a], norms[b]):
                self.sets.union(full[a], full[b])
                for i in (full[a], full[b]):
                    method, best = self.joined.get(i, ("fuzzy", 0.0))
                    if method == "fuzzy":
                        self.joined[i] = ("fuzzy", max(best, score))
        # A name that is only an acronym nobody declared joins the one cluster whose initials it is.
        by_initials: dict[str, set[int]] = defaultdict(set)
        for i in full:
            if self.nodes[i].initials:
                by_initials[self.nodes[i].initials].add(self.sets.find(i))
        for i in pool:
            node = self.nodes[i]
            if node.is_bare and all(len(by_key[k]) == 1 for k in node.keys):
                roots = set().union(*(by_initials.get(k, set()) for k in node.keys))
                if len(roots) == 1:
                    self.sets.union(i, roots.pop())
                    self.joined[i] = ("acronym", 100.0)

    def are_namesakes(self, a: int, b: int, key: str) -> bool:
        """Two institutions that share an acronym but are different: both names spell the acronym
        out word for word, with different words ("Direction générale des élections" and
        "Direction générale de l'emploi" are both "DGE")."""
        node_a, node_b = self.nodes[a], self.nodes[b]
        return (node_a.initials == key == node_b.initials
                and _are_other_words(node_a.norm, node_b.norm))

    # -- step 3: partners to responding entities ----------------------------------------------
    def match_partners(self, partners: list[int], respondents: list[int]) -> list[int]:
        """Attach partners to respondent clusters; return the partners left over."""
        root_of = {i: self.sets.find(i) for i in respondents}
        size: Counter = Counter()
        first_norm: dict[int, str] = {}
        for i in respondents:
            size[root_of[i]] += len(self.nodes[i].submissions)
            first_norm[root_of[i]] = min(first_norm.get(root_of[i], "\uffff"), self.nodes[i].norm)

        def rank(root: int) -> tuple[int, str]:
            return -size[root], first_norm[root]

        by_key: dict[str, set[int]] = defaultdict(set)
        by_bare_key: dict[str, set[int]] = defaultdict(set)
        by_initials: dict[str, set[int]] = defaultdict(set)
        for i in respondents:
            for key in self.nodes[i].keys:
                by_key[key].add(root_of[i])
                if self.nodes[i].is_bare:
                    by_bare_key[key].add(root_of[i])
            if self.nodes[i].initials:
                by_initials[self.nodes[i].initials].add(root_of[i])

        leftover: list[int] = []
        to_score: list[int] = []
        for p in sorted(partners, key=lambda i: self.nodes[i].norm):
            node = self.nodes[p]
            roots = set().union(*(by_key.get(k, set()) for k in node.keys))
            if not roots and node.is_bare:
                roots = set().union(*(by_initials.get(k, set()) for k in node.keys))
            if not roots and node.initials:
                # A respondent that gave only its acronym has no name to score against.
                roots = by_bare_key.get(node.initials, set())
            if roots:
                chosen = min(roots, key=rank)
                self.sets.union(p, chosen)
                self.joined[p] = ("acronym", 100.0)
                self.candidates[p] = (chosen, 100.0, len(roots) > 1)
            elif node.is_bare:
                self.candidates[p] = (None, float("nan"), False)
                leftover.append(p)
            else:
                to_score.append(p)

        targets = [i for i in respondents if not self.nodes[i].is_bare]
        target_keys = [_sort_tokens(self.nodes[i].norm) for i in targets]
        target_roots = np.array([root_of[i] for i in targets], dtype=np.int64)
        for start in range(0, len(to_score), _CHUNK_ROWS):
            chunk = to_score[start:start + _CHUNK_ROWS]
            if not targets:
                leftover.extend(chunk)
                for p in chunk:
                    self.candidates[p] = (None, float("nan"), False)
                continue
            scores = process.cdist([_sort_tokens(self.nodes[p].norm) for p in chunk], target_keys,
                                   scorer=fuzz.ratio, score_cutoff=REPORT_MIN_SCORE,
                                   dtype=np.float64, workers=-1)
            for row, p in enumerate(chunk):
                if not self.attach_by_score(p, scores[row], targets, target_roots, rank):
                    leftover.append(p)
        return leftover

    def attach_by_score(self, p: int, scores: np.ndarray, targets: list[int], target_roots: np.ndarray,
                        rank) -> bool:
        norm = self.nodes[p].norm
        order = np.flatnonzero(scores)
        order = order[np.lexsort((target_roots[order], -scores[order]))]
        best_any = (targets[order[0]], float(scores[order[0]])) if len(order) else (None, float("nan"))
        passing = [(float(scores[k]), int(target_roots[k]), targets[k]) for k in order
                   if scores[k] >= self.threshold - AMBIGUITY_MARGIN_POINTS
                   and not _are_other_words(norm, self.nodes[targets[k]].norm)]
        above = [c for c in passing if c[0] >= self.threshold]
        if not above:
            self.candidates[p] = (best_any[0], best_any[1], False)
            return False
        top = max(s for s, _, _ in above)
        best = min((c for c in above if c[0] == top), key=lambda c: rank(c[1]))
        rivals = [c for c in passing if c[1] != best[1] and c[0] >= best[0] - AMBIGUITY_MARGIN_POINTS]
        self.sets.union(p, best[1])
        self.joined[p] = ("fuzzy", best[0])
        self.candidates[p] = (best[2], best[0], bool(rivals))
        return True

    # -- entities -----------------------------------------------------------------------------
    def infer_sector(self, norms: list[str], keys: set[str]) -> str:
        """The one sector the words of a name point to, else "unknown"."""
        texts = [f" {n} " for n in norms if n and not n.startswith("\x00")]
        words = {w for t in texts for w in t.split()} | {k.lower() for k in keys}
        found = {sector for sector, (single, phrases) in self.sector_words.items()
                 if words & single or any(p in t for p in phrases for t in texts)}
        return found.pop() if len(found) == 1 else "unknown"

    def build(self, submission_node: dict[str, int]) -> Reconciliation:
        clusters: dict[int, list[int]] = defaultdict(list)
        for i, node in enumerate(self.nodes):
            if node.is_respondent or node.partner_names or node.is_virtual:
                clusters[self.sets.find(i)].append(i)
        type_sector = get_attribute("institution_types", "sector")

        records = []
        for members in clusters.values():
            nodes = [self.nodes[i] for i in members]
            is_respondent = any(n.is_respondent for n in nodes)
            own_names: Counter = Counter()
            partner_names: Counter = Counter()
            for n in nodes:
                for raw, count in n.respondent_names.items():
                    own_names[_display_form(raw)] += count
                for raw, count in n.partner_names.items():
                    partner_names[_display_form(raw)] += count
            own_full = Counter({f: c for f, c in own_names.items() if not _split(f)[2]})
            partner_full = Counter({f: c for f, c in partner_names.items() if not _split(f)[2]})
            targets = sorted(n.alias_target for n in nodes if n.alias_target)
            target_base, target_acronym, target_is_bare = (
                _split(targets[0]) if targets else (None, None, True))
            full_target = target_base if target_base and not target_is_bare else None
            # How the institution calls itself comes first; a partner that did not answer is shown
            # as the alias names it. A bare acronym is the last resort: it is also in `acronym`.
            if is_respondent:
                choices = [_best_form(own_full), _best_form(partner_full), full_target, _best_form(own_names)]
            else:
                choices = [full_target, _best_form(partner_full), target_base, _best_form(partner_names)]
            name = next((c for c in choices if c), "")
            acronyms: Counter = Counter()
            for n in nodes:
                acronyms.update(n.respondent_acronyms)
            if not acronyms and target_acronym:
                acronyms[_clean_acronym(target_acronym)] = 1
            if not acronyms:
                for n in nodes:
                    acronyms.update(n.partner_acronyms)
            acronym = min(acronyms, key=lambda a: (-acronyms[a], a)) if acronyms else None
            types: Counter = Counter()
            for n in nodes:
                types.update(n.types)
            institution_type = min(types, key=lambda t: (-types[t], t)) if types else None
            sector = type_sector.get(institution_type) if institution_type else None
            if not isinstance(sector, str):
                sector = self.infer_sector([n.norm for n in nodes], set().union(*(n.keys for n in nodes)))
            variants = {_collapse(raw) for n in nodes for raw in [*n.respondent_names, *n.partner_names]}
            variants |= {_collapse(n.alias_target) for n in nodes if n.is_virtual and n.alias_target}
            canonical_norm = self.normalize(name) if name else ""
            canonical = next((i for i in members if self.nodes[i].norm == canonical_norm),
                             min(members, key=lambda i: self.nodes[i].norm))
            records.append({
                "members": members, "canonical": canonical, "name": name, "acronym": acronym,
                "institution_type": institution_type, "sector": sector, "is_respondent": is_respondent,
                "name_variants": " | ".join(sorted(variants, key=lambda v: (v.casefold(), v))),
                "n_mentions": sum(sum(n.partner_names.values()) for n in nodes),
                "slug": self.slug(acronym, canonical_norm),
                "order": (not is_respondent, canonical_norm, name, min(self.nodes[i].norm for i in members)),
            })

        # Deterministic ids: same slug → respondents first, then by normalised name.
        used: set[str] = set()
        for record in sorted(records, key=lambda r: (r["slug"], r["order"])):
            base, suffix, number = record["slug"], "", 1
            while f"{self.country}-{base}{suffix}" in used:
                number += 1
                suffix = f"-{number}"
                base = record["slug"][:SLUG_MAX_CHARS - len(suffix)].rstrip("-")
            record["entity_id"] = f"{self.country}-{base}{suffix}"
            used.add(record["entity_id"])

        node_entity: dict[int, dict] = {}
        for record in records:
            for i in record["members"]:
                node_entity[i] = record

        entities = pd.DataFrame([{c: r[c] for c in ENTITY_COLUMNS} for r in records], columns=ENTITY_COLUMNS)
        entities = entities.sort_values("entity_id", ignore_index=True)
        entities["is_respondent"] = entities["is_respondent"].astype("boolean")
        entities["n_mentions"] = entities["n_mentions"].astype("int64")

        submission_entity = {sid: node_entity[i]["entity_id"] for sid, i in submission_node.items()}
        partner_entity = {raw: node_entity[i]["entity_id"]
                          for i, node in enumerate(self.nodes) for raw in node.partner_names}
        return Reconciliation(
            submission_entity=submission_entity, partner_entity=partner_entity, entities=entities,
            matches=self.build_matches(node_entity), unresolved=self.build_unresolved(node_entity))

    def slug(self, acronym: str | None, norm: str) -> str:
        source = acronym if acronym and _acronym_key(acronym, self.rules) else norm
        text = re.sub(r"[^A-Z0-9]+", "-", _fold(source or "", self.rules.characters).upper()).strip("-")
        if len(text) > SLUG_MAX_CHARS:
            cut = text[:SLUG_MAX_CHARS + 1]
            text = cut.rsplit("-", 1)[0] if "-" in cut else text[:SLUG_MAX_CHARS]
        return text or "UNNAMED"

    def method_of(self, i: int, record: dict) -> tuple[str, float]:
        """How a node joined its entity: (method, score)."""
        node = self.nodes[i]
        if node.is_pinned:
            return "alias", 100.0
        if node.is_respondent:
            return ("exact", 100.0) if i == record["canonical"] or i not in self.joined else self.joined[i]
        if i == record["canonical"] and not record["is_respondent"]:
            return "new", float("nan")
        if i in self.joined:
            return self.joined[i]
        return ("alias", 100.0) if node.alias_target else ("new", float("nan"))

    def build_matches(self, node_entity: dict[int, dict]) -> pd.DataFrame:
        rows = {}
        for i, node in enumerate(self.nodes):
            if i not in node_entity:
                continue
            record = node_entity[i]
            method, score = self.method_of(i, record)
            for raw in node.respondent_names:
                rows.setdefault(raw, (raw, record["entity_id"], record["name"], score, method))
            for raw in node.partner_names:
                # A partner named exactly as a respondent names itself is an exact match.
                is_exact = node.is_respondent and not node.is_pinned
                p_method, p_score = ("exact", 100.0) if is_exact else (method, score)
                rows.setdefault(raw, (raw, record["entity_id"], record["name"], p_score, p_method))
        frame = pd.DataFrame(list(rows.values()), columns=MATCH_COLUMNS)
        frame["score"] = frame["score"].astype("float64")
        return frame.sort_values(["entity_id", "name"], ignore_index=True)

    def build_unresolved(self, node_entity: dict[int, dict]) -> pd.DataFrame:
        rows = []
        respondents = [i for i, node in enumerate(self.nodes) if node.is_respondent and not node.is_bare
                       and not node.norm.startswith("\x00")]
        for p, (candidate, score, is_ambiguous) in self.candidates.items():
            record = node_entity[p]
            if record["is_respondent"] and not is_ambiguous:
                continue
            expansion = None
            is_near_miss = False
            if not record["is_respondent"]:
                if candidate is not None and score == score and score >= self.threshold - NEAR_MISS_POINTS \
                        and not _are_other_words(self.nodes[p].norm, self.nodes[candidate].norm):
                    is_near_miss = True
                else:
                    found = self.find_acronym_candidate(p, respondents)
                    if found is not None:
                        candidate, score, expansion = found
                        is_near_miss = True
            best = node_entity[candidate]["name"] if candidate is not None else None
            for raw in self.nodes[p].partner_names:
                rows.append((raw, best, score, record["entity_id"], is_near_miss, expansion))
        for raw in self.unnamed_partners:
            rows.append((raw, None, float("nan"), None, False, None))
        frame = pd.DataFrame(rows, columns=UNRESOLVED_COLUMNS)
        frame["best_score"] = frame["best_score"].astype("float64")
        frame["is_near_miss"] = frame["is_near_miss"].astype("bool")
        return frame.sort_values("name", ignore_index=True)

    def find_acronym_candidate(self, p: int, respondents: list[int]) -> tuple[int, float, str] | None:
        """A respondent whose name, with one run of words written as the acronym the partner uses,
        is the partner's name: "Direction de la PAF" and "Direction de la police de l'air et des
        frontières". Returns (candidate, score with the acronym spelt out, the acronym)."""
        node = self.nodes[p]
        capitals = {w for raw in node.partner_names for w in re.findall(r"\b[A-Z]{2,6}\b", raw)}
        words = node.norm.split()
        found = []
        for acronym in sorted(capitals):
            if acronym.lower() not in words:
                continue
            for i in respondents:
                target = self.nodes[i].norm.split()
                for start in range(len(target) - len(acronym) + 1):
                    span = target[start:start + len(acronym)]
                    if "".join(w[0] for w in span) != acronym.lower():
                        continue
                    spelt = words[:words.index(acronym.lower())] + span + words[words.index(acronym.lower()) + 1:]
                    score = float(fuzz.ratio(_sort_tokens(" ".join(spelt)), _sort_tokens(self.nodes[i].norm)))
                    if score >= self.threshold:
                        found.append((score, self.nodes[i].norm, i, acronym))
        if not found:
            return None
        score, _, candidate, expansion = max(found, key=lambda f: (f[0], f[1]))
        return candidate, score, expansion


def reconcile_institutions(institutions: pd.DataFrame, partner_names: list[str], *, country: str,
                           aliases: dict[str, str] | None = None, threshold: float = 88.0) -> Reconciliation:
    """Give every responding institution and every named partner one entity id.

    Parameters
    ----------
    institutions
        One row per submission: ``submission_id, institution_name, institution_acronym,
        institution_type``. Several submissions of the same institution get the same entity.
    partner_names
        Partner names as written, one per flow row (repeats count as mentions).
    country
        ISO 3166-1 alpha-3 code, the prefix of every entity id.
    aliases
        ``{variant as written: canonical name or acronym}`` from the country's parameters; an alias
        decides where the names it lists go, whatever their scores.
    threshold
        Lowest rapidfuzz ``token_sort_ratio`` (0–100) between normalised names to merge them.

    Returns
    -------
    Reconciliation
        Entity of each submission and partner name, the entities table and the report tables.

    Examples
    --------
    >>> institutions = pd.DataFrame({
    ...     "submission_id": ["1", "2", "3"],
    ...     "institution_name": ["Institut national de la statistique (INS)",
    ...                          "Ministère de l'Intérieur", "Minstère de l'interieur"],
    ...     "institution_acronym": [None, None, None],
    ...     "institution_type": ["statistics_office", "ministry", "ministry"]})
    >>> result = reconcile_institutions(institutions, ["INS", "Ministère de l'Économie", "INS"],
    ...                                 country="SEN")
    >>> result.submission_entity
    {'1': 'SEN-INS', '2': 'SEN-MINISTERE-INTERIEUR', '3': 'SEN-MINISTERE-INTERIEUR'}
    >>> result.partner_entity["INS"], result.partner_entity["Ministère de l'Économie"]
    ('SEN-INS', 'SEN-MINISTERE-ECONOMIE')
    >>> result.entities[["entity_id", "is_respondent", "n_mentions"]].values.tolist()
    [['SEN-INS', True, 2], ['SEN-MINISTERE-ECONOMIE', False, 1], ['SEN-MINISTERE-INTERIEUR', True, 0]]
    """
    rules = load_name_rules()
    reconciler = _Reconciler(country, threshold, rules)
    submission_node = reconciler.add_respondents(institutions)
    reconciler.add_partners(partner_names)
    reconciler.mark_lowercase_acronyms()
    reconciler.apply_aliases(aliases)

    nodes = reconciler.nodes
    real = [i for i, n in enumerate(nodes) if not n.norm.startswith("\x00") and not n.is_pinned]
    respondents = [i for i in real if nodes[i].is_respondent]
    reconciler.cluster(respondents)

    respondent_roots = {reconciler.sets.find(i) for i, n in enumerate(nodes) if n.is_respondent}
    partners = [i for i in real if not nodes[i].is_respondent
                and reconciler.sets.find(i) not in respondent_roots]
    leftover = reconciler.match_partners(partners, respondents)
    reconciler.cluster(leftover)
    return reconciler.build(submission_node)
