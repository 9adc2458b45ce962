"""What the national workshop decided, what the authority corrected and who endorsed the guide.

The decisions live in ``params/<ISO3>.workshop.yaml``, beside the hand-edited parameters file
(which is never rewritten): ``mpanalysis workshop ISO3 --read`` writes the ``workshop`` part,
``mpanalysis review ISO3 --read`` the ``review`` part and ``mpanalysis endorse`` the
``endorsement``. Every stage reads them from here: ingest applies the names and merges
(:attr:`WorkshopRecord.names`), analysis and guide the findings' and recommendations' decisions,
the assembly the review's edits and the endorsement.

Like the parameters, the models are frozen and forbid unknown keys, so a hand edit with a typo
stops the run with a message naming the file and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mpanalysis.errors import MpanalysisError, ParamsError, format_location
from mpanalysis.params import (
    CountryParams,
    Endorsement,
    EntityNameOverride,
    LocalizedText,
    WorkshopProblem,
    WorkshopRecommendation,
    _format_key,
)
from mpanalysis.paths import params_dir

FINDING_DECISIONS = ("confirmed", "corrected", "rejected")
RECOMMENDATION_DECISIONS = ("adopt", "amend", "drop", "new")
REVIEW_DECISIONS = ("accept", "edit", "delete")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class SourceFile(_Frozen):
    """A filled worksheet or review sheet that was read: its name and SHA-256."""

    file: str
    sha256: str


class FindingDecision(_Frozen):
    """A finding as the workshop judged it: ``correction`` replaces its sentence when corrected;
    ``comment`` is the reason given (printed in the methodology annex for a rejected one)."""

    id: str
    decision: Literal["confirmed", "corrected", "rejected"]
    text: LocalizedText | None = None  # the finding as the workshop read it
    correction: LocalizedText | None = None
    comment: str | None = None


class ProblemDecision(_Frozen):
    """A challenge of the problem/solution matrix: the severity and the solutions agreed."""

    challenge: str
    severity: int | None = Field(default=None, ge=0, le=3)
    solutions: list[LocalizedText] = Field(default_factory=list)


class RecommendationDecision(_Frozen):
    """A candidate recommendation adopted, amended or dropped (by its stable id), or a new one
    (``id`` ``new.N``): the amended or new text with who leads it, with whom, by when, how to
    know it was done and its priority."""

    id: str
    decision: Literal["adopt", "amend", "drop", "new"]
    category: str | None = None
    text: LocalizedText | None = None
    lead: str | None = None
    partners: list[str] = Field(default_factory=list)
    timeframe: Literal["short", "medium", "long"] | None = None
    priority: Literal["high", "medium", "low"] | None = None
    indicator: LocalizedText | None = None
    comment: str | None = None


class NameDecision(_Frozen):
    """An institution's official name and acronym, or its merge into another entity.

    ``official_name`` is written in the worksheets' language (:attr:`WorkshopRecord.lang`);
    ``translations`` gives it in the guide's other languages when the worksheet does."""

    entity_id: str
    name_found: str | None = None  # the name the answers gave it when the workshop decided
    official_name: str | None = None
    translations: dict[str, str] = Field(default_factory=dict)
    acronym: str | None = None
    merge_into: str | None = None


class Participant(_Frozen):
    """A workshop participant (personal data: printed in the restricted edition only)."""

    name: str
    institution: str
    function: str | None = None


class WorkshopRecord(_Frozen):
    """Everything the worksheets of the national workshop decided (``lang``: the language the
    worksheets were filled in)."""

    lang: str | None = None
    date: dt.date | None = None
    place: str | None = None
    read_at: dt.date | None = None
    files: list[SourceFile] = Field(default_factory=list)
    participants: list[Participant] = Field(default_factory=list)
    findings: list[FindingDecision] = Field(default_factory=list)
    problems: list[ProblemDecision] = Field(default_factory=list)
    recommendations: list[RecommendationDecision] = Field(default_factory=list)
    names: list[NameDecision] = Field(default_factory=list)

    def count_changes(self) -> dict[str, int]:
        """Return how many decisions of each kind (``findings_rejected``, ``recommendations_new``…).

        >>> WorkshopRecord(findings=[{"id": "x", "decision": "rejected"}]).count_changes()["findings_rejected"]
        1
        """
        counts = {f"findings_{d}": sum(f.decision == d for f in self.findings) for d in FINDING_DECISIONS}
        counts |= {f"recommendations_{d}": sum(r.decision == d for r in self.recommendations)
                   for d in RECOMMENDATION_DECISIONS}
        counts["names_renamed"] = sum(bool(n.official_name or n.acronym or n.translations) for n in self.names)
        counts["entities_merged"] = sum(bool(n.merge_into) for n in self.names)
        counts["problems_agreed"] = len(self.problems)
        counts["participants"] = len(self.participants)
        return counts


class ReviewDecision(_Frozen):
    """One block of the guide as the authority reviewed it, keyed by the block's stable identity
    (``key``) and the SHA-256 of the generated text it saw (``text_hash``), so a rebuild that
    changed the text reports the decision instead of applying it to other words."""

    key: str
    number: int
    text_hash: str
    decision: Literal["accept", "edit", "delete"]
    text: str | None = None
    comment: str | None = None


class ReviewRecord(_Frozen):
    """The authority's review of one language of the guide."""

    lang: str
    read_at: dt.date | None = None
    files: list[SourceFile] = Field(default_factory=list)
    decisions: list[ReviewDecision] = Field(default_factory=list)

    def count_changes(self) -> dict[str, int]:
        return {d: sum(r.decision == d for r in self.decisions) for d in REVIEW_DECISIONS}


class EndorsementRecord(_Frozen):
    """Who endorsed the guide and when (takes precedence over ``params.endorsement``)."""

    authority: str
    date: dt.date
    status: Literal["endorsed", "published"] = "endorsed"


class Decisions(_Frozen):
    """The whole ``params/<ISO3>.workshop.yaml``.

    >>> d = Decisions(country="SEN")
    >>> d.is_empty, d.get_review("fr") is None
    (True, True)
    """

    country: str
    workshop: WorkshopRecord | None = None
    reviews: list[ReviewRecord] = Field(default_factory=list)
    endorsement: EndorsementRecord | None = None

    @property
    def is_empty(self) -> bool:
        return self.workshop is None and not self.reviews and self.endorsement is None

    def get_review(self, lang: str) -> ReviewRecord | None:
        return next((r for r in self.reviews if r.lang == lang), None)

    @property
    def names(self) -> list[NameDecision]:
        return list(self.workshop.names) if self.workshop else []


def decisions_path(country: str, root: Path | None = None) -> Path:
    """Return ``params/<ISO3>.workshop.yaml``.

    >>> decisions_path("SEN").name
    'SEN.workshop.yaml'
    """
    return params_dir(root) / f"{country.upper()}.workshop.yaml"


def load_decisions(country: str, path: str | Path | None = None) -> Decisions:
    """Return a country's decisions, empty when no workshop, review or endorsement was recorded.

    A malformed file stops with a :class:`~mpanalysis.errors.ParamsError` naming the file and the
    key, like the parameters file.
    """
    path = Path(path) if path else decisions_path(country)
    if not path.is_file():
        return Decisions(country=country.upper())
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ParamsError(f"not valid YAML: {getattr(exc, 'problem', exc)}", file=path) from None
    try:
        decisions = Decisions.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = ("unknown key (check the spelling)" if error["type"] == "extra_forbidden"
                   else error["msg"].removeprefix("Value error, "))
        raise ParamsError(message, file=path, key=_format_key(error["loc"])) from None
    if decisions.country != country.upper():
        raise ParamsError(f"file describes country {decisions.country}", file=path, key="country")
    return decisions


def write_decisions(decisions: Decisions, path: str | Path | None = None) -> Path:
    """Write the decisions file atomically (a header says which commands write it)."""
    from mpanalysis.fileio import write_text_atomic

    path = Path(path) if path else decisions_path(decisions.country)
    header = ("# Decisions of the national workshop, the authority's review and the endorsement of the guide.\n"
              "# Written by `mpanalysis workshop --read`, `mpanalysis review --read` and `mpanalysis endorse`;\n"
              "# the parameters file beside it is never rewritten.\n")
    body = yaml.safe_dump(decisions.model_dump(mode="json", exclude_defaults=True), allow_unicode=True,
                          sort_keys=False, width=110)
    return write_text_atomic(path, header + body)


def hash_name_decisions(decisions: Decisions) -> str:
    """Return a fingerprint of the names and merges only (what changes the dataset).

    >>> hash_name_decisions(Decisions(country="SEN")) == hash_name_decisions(Decisions(country="SEN"))
    True
    """
    from mpanalysis.provenance import hash_object

    return hash_object([n.model_dump(mode="json") for n in decisions.names])


def hash_text(text: str) -> str:
    """Return the SHA-256 of a text (a review decision's key to the words it judged), 16 hex digits.

    >>> hash_text("Un constat.")
    '2bafaec855155160'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def apply_decisions_to_params(params: CountryParams, decisions: Decisions) -> CountryParams:
    """Return the parameters as the guide uses them once the decisions are applied.

    The workshop's date and place fill those the parameters leave out; the participants give the
    number of participants and institutions represented; the problems' agreed solutions replace
    those of the parameters for the same challenge, and their agreed severity is added; new
    recommendations are added after the parameters' own (``workshop.N`` continues their
    numbering); the endorsement record takes precedence over ``params.endorsement``.

    >>> p = CountryParams(country="SEN", workshop={"problems": [{"challenge": "use", "solutions": [{"fr": "Former"}]}]})
    >>> d = Decisions(country="SEN", endorsement={"authority": "Comité", "date": "2025-10-01"},
    ...               workshop={"problems": [{"challenge": "use", "severity": 3}, {"challenge": "update", "severity": 1}]})
    >>> applied = apply_decisions_to_params(p, d)
    >>> applied.endorsement.is_final
    True
    >>> [(x.challenge, x.severity, len(x.solutions)) for x in applied.workshop.problems]
    [('use', 3, 1), ('update', 1, 0)]

    The workshop's official names come first in the guide, in the language they were written in:

    >>> p = CountryParams(country="SEN", languages=["fr", "en"], entity_names={"SEN-CNDH": {"name": {
    ...     "fr": "Commission des droits", "en": "Rights Commission"}}})
    >>> d = Decisions(country="SEN", workshop={"lang": "fr", "names": [
    ...     {"entity_id": "SEN-CNDH", "official_name": "Commission nationale des droits humains", "acronym": "CNDH"}]})
    >>> applied = apply_decisions_to_params(p, d).entity_names["SEN-CNDH"]
    >>> applied.name, applied.acronym
    ({'fr': 'Commission nationale des droits humains', 'en': 'Rights Commission'}, 'CNDH')
    """
    update: dict = {}
    record = decisions.workshop
    if record is not None:
        workshop = params.workshop
        changes: dict = {}
        if record.date and not workshop.date:
            changes["date"] = record.date
        if record.place and not workshop.place:
            changes["place"] = record.place
        if record.participants:
            changes["participants"] = len(record.participants)
            changes["institutions_represented"] = len({p.institution.casefold() for p in record.participants})
        if record.problems:
            changes["problems"] = _merge_problems(workshop.problems, record.problems)
        new = [r for r in record.recommendations if r.decision == "new"]
        if new:
            changes["recommendations"] = list(workshop.recommendations) + [
                WorkshopRecommendation(category=r.category, text=r.text, priority=r.priority or "medium",
                                       lead=r.lead, partners=r.partners, timeframe=r.timeframe,
                                       indicator=r.indicator) for r in new]
        if changes:
            update["workshop"] = workshop.model_copy(update=changes)
        if any(n.official_name or n.acronym or n.translations for n in record.names):
            update["entity_names"] = _name_overrides(params, record)
    if decisions.endorsement is not None:
        update["endorsement"] = Endorsement(status=decisions.endorsement.status,
                                            authority=decisions.endorsement.authority,
                                            date=decisions.endorsement.date)
    return params.model_copy(update=update) if update else params


def _name_overrides(params: CountryParams, record: WorkshopRecord) -> dict[str, EntityNameOverride]:
    """The parameters' ``entity_names`` with the workshop's official names and acronyms keyed by
    entity id, so they come before any other correction: the name in the worksheets' language and
    the translations it gives replace the parameters' ones; a language it does not give keeps the
    parameters' translation for that entity id (the same institution), else shows the official
    name as written."""
    overrides = dict(params.entity_names)
    for decision in record.names:
        if decision.merge_into or not (decision.official_name or decision.acronym or decision.translations):
            continue
        existing = overrides.get(decision.entity_id) or EntityNameOverride()
        names = dict(existing.name or {})
        if decision.official_name:
            written_in = [record.lang] if record.lang else list(params.languages)  # unknown: every language
            names |= {lang: decision.official_name for lang in written_in}
        names |= decision.translations
        overrides[decision.entity_id] = existing.model_copy(update={
            "name": names or None, "acronym": decision.acronym or existing.acronym})
    return overrides


def load_params_with_decisions(country: str) -> CountryParams:
    """Return a country's parameters with its decisions applied (:func:`apply_decisions_to_params`),
    as every chapter of the guide reads them."""
    from mpanalysis.params import load_params

    return apply_decisions_to_params(load_params(country), load_decisions(country))


def _merge_problems(problems: list[WorkshopProblem], agreed: list[ProblemDecision]) -> list[WorkshopProblem]:
    """The parameters' workshop problems with the worksheets' agreed severities and solutions: the
    worksheet's solutions replace those of the parameters for the same challenge, its severity is
    added; a challenge the parameters do not have is added."""
    by_challenge = {p.challenge: p for p in agreed}
    merged = []
    for problem in problems:
        decision = by_challenge.pop(problem.challenge, None)
        if decision is not None:
            problem = problem.model_copy(update={
                "solutions": decision.solutions or problem.solutions,
                "severity": decision.severity if decision.severity is not None else problem.severity})
        merged.append(problem)
    return merged + [WorkshopProblem(challenge=p.challenge, solutions=p.solutions, severity=p.severity)
                     for p in by_challenge.values()]


def get_new_recommendation_ids(params: CountryParams, decisions: Decisions) -> dict[str, str]:
    """Return ``{new.N: workshop.M}``: the id each new recommendation of the worksheets takes in
    the guide (after the parameters' own workshop recommendations)."""
    record = decisions.workshop
    if record is None:
        return {}
    offset = len(params.workshop.recommendations)
    new = [r.id for r in record.recommendations if r.decision == "new"]
    return {rid: f"workshop.{offset + index}" for index, rid in enumerate(new, start=1)}


class Problem(BaseModel):
    """One located problem in a filled worksheet."""

    model_config = ConfigDict(frozen=True)

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    message: str

    def __str__(self) -> str:
        return format_location(self.file, self.sheet, self.row, self.column) + self.message


class WorksheetError(MpanalysisError):
    """A filled worksheet or review sheet has mistakes: every one is listed, located by file,
    sheet, row and column, and nothing was applied.

    >>> str(WorksheetError([Problem(file="g1.xlsx", sheet="findings", row=4, column="decision", message="bad")]))
    "1 problem, nothing was applied:\\n  g1.xlsx, sheet 'findings', row 4, column 'decision': bad"
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{n} problem{'s' if n > 1 else ''}, nothing was applied:"
        super().__init__("\n  ".join([head, *(str(p) for p in self.problems)]))
