"""The opening of every guide — key messages, the foreword, how to use this guide — and the parts
of the brief guide (the figures that say the most, the priority recommendations in full, where to
find the rest).

These parts are printed without a chapter number (:attr:`Chapter.is_numbered` false), before
chapter I, in this order: key messages, foreword, how to use this guide. They are built when the
guide is assembled (:mod:`mpanalysis.publish.assemble`), from what chapters I–IV saved: their
findings, measures and chapters, and the recommendations of chapter IV.

- **Key messages** (:func:`select_key_messages`): rules of ``data/reference/key_messages.yaml``
  pick the most severe findings and measures of chapters I–III (at most two per chapter), then the
  highest-priority recommendations; each message has its key number and cites the figure or
  table that shows it (``{ref:id}``: a link in HTML, the label in PDF and DOCX).
- **Foreword** (:func:`build_foreword_chapter`): the text and signature of the national
  coordinating authority from the country's parameters (``foreword:``); a draft without one shows
  a visible placeholder.
- **How to use this guide** (:func:`build_how_to_use_chapter`): who it is for, what it is based
  on, what each chapter holds, how to read figures and tables, where the open data and the atlas
  are.
- **The brief** (:func:`build_brief_chapters`): the figures and tables of
  ``data/reference/brief.yaml`` with the numbers they have in the full guide, the five priority
  recommendations with every field they have, and where to find the rest.

Texts are in ``data/reference/chapters/front.yaml`` (French and English).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from babel.lists import format_list
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from mpanalysis.analysis.findings import (
    SEVERITIES,
    Finding,
    Severity,
    SeverityRules,
    fill_template,
    rate_severity,
)
from mpanalysis.analysis.recommendations import (
    Recommendation,
    get_finding_codes,
    parse_condition,
    select_top_recommendations,
)
from mpanalysis.analysis.recommendations.rules import (
    CODE_FILTERS,
    COMPARATORS,
    FindingCondition,
    MeasureCondition,
)
from mpanalysis.errors import ReferenceDataError
from mpanalysis.guide.chapters.base import ChapterContext
from mpanalysis.guide.chapters.recommendations import (
    build_guide_recommendations,
    build_recommendation_blocks,
    format_evidence_key,
    map_evidence_to_blocks,
)
from mpanalysis.guide.document import (
    BulletList,
    Callout,
    Chapter,
    Figure,
    KeyMessage,
    Numbering,
    Paragraph,
    Section,
    Signature,
    Table,
    iter_blocks,
    protect_text,
)
from mpanalysis.guide.texts import fill_chapter_text, get_chapter_text
from mpanalysis.params import CountryParams
from mpanalysis.paths import reference_dir
from mpanalysis.reference import get_labels, read_reference_yaml
from mpanalysis.wording import name_entities
from mpanalysis.wording.names import load_name_overrides, make_entity_name
from mpanalysis.wording.typography import format_date_text

TEXTS = "front"
KEY_MESSAGES_FILE = "key_messages.yaml"
BRIEF_FILE = "brief.yaml"
#: How many recommendations the brief prints in full.
N_BRIEF_RECOMMENDATIONS = 5


def _t(key: str, lang: str, **values: Any) -> str:
    return fill_chapter_text(f"{TEXTS}.{key}", lang, **values) if values else get_chapter_text(f"{TEXTS}.{key}", lang)


# --------------------------------------------------------------------------------------------
# The key-message rules


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MessageRule(_Model):
    """One rule of ``key_messages.yaml`` (see the file's header for each key)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    chapter: Literal["I", "II", "III"]
    when: dict[str, Any]
    lead: str | None = None
    numbers: dict[str, str] = Field(default_factory=dict)
    severity: Severity | SeverityRules | None = None
    evidence: str | None = None
    headline: str | dict[str, str]
    text: dict[str, str]

    @field_validator("when")
    @classmethod
    def _condition(cls, value: dict[str, Any]) -> dict[str, Any]:
        condition = parse_condition(value)  # ValueError says what is wrong
        if not isinstance(condition, (FindingCondition, MeasureCondition)):
            raise ValueError("a key message needs one finding condition or one measure condition")
        return value

    @model_validator(mode="after")
    def _measure_needs(self) -> MessageRule:
        if isinstance(self.condition, MeasureCondition) and (self.severity is None or self.evidence is None):
            raise ValueError("a measure condition needs a 'severity' and an 'evidence'")
        return self

    @property
    def condition(self) -> FindingCondition | MeasureCondition:
        return parse_condition(self.when)  # type: ignore[return-value]

    def get_headline(self, lang: str) -> str:
        return self.headline if isinstance(self.headline, str) else self.headline.get(lang, "")


class RecommendationMessages(_Model):
    count: int = Field(ge=0, le=5)
    headline: str
    text: dict[str, str]
    text_no_lead: dict[str, str]


class KeyMessageCatalogue(_Model):
    """The whole ``key_messages.yaml``: selection settings, rules, the recommendations' messages."""

    max_messages: int = Field(ge=1, le=10)
    min_messages: int = Field(ge=0)
    max_per_chapter: int = Field(ge=1)
    recommendations: RecommendationMessages
    messages: list[MessageRule]

    @model_validator(mode="after")
    def _consistent(self) -> KeyMessageCatalogue:
        ids = [m.id for m in self.messages]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"duplicated message id '{duplicated[0]}'")
        if self.min_messages > self.max_messages or self.recommendations.count >= self.max_messages:
            raise ValueError("need min_messages <= max_messages and fewer recommendations than max_messages")
        languages = set(self.recommendations.text)
        for rule in self.messages:
            if set(rule.text) != languages or (isinstance(rule.headline, dict) and set(rule.headline) != languages):
                raise ValueError(f"message '{rule.id}' has texts in {sorted(rule.text)}, "
                                 f"the recommendations' in {sorted(languages)}")
        return self


def _read_settings(path: str, model: type[BaseModel], what: str) -> Any:
    """Read and validate a settings file; an error names the file and the key (a rule of a list
    by its id: "messages.cut_vertex.when")."""
    data = read_reference_yaml(path, what)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        location = list(error["loc"])
        if len(location) >= 2 and isinstance(location[1], int):
            items = data.get(location[0]) or []
            item = items[location[1]] if location[1] < len(items) else None
            location[1] = (item.get("id") if isinstance(item, dict) else None) or f"#{location[1] + 1}"
        key = ".".join(str(p) for p in location)
        where = f"{path}, key '{key}'" if key else str(path)
        raise ReferenceDataError(f"{where}: {error['msg'].removeprefix('Value error, ')}") from None


@cache
def _load_catalogue(path: str) -> KeyMessageCatalogue:
    return _read_settings(path, KeyMessageCatalogue, "the key-message rules")


def load_key_message_catalogue(path: str | Path | None = None) -> KeyMessageCatalogue:
    """Return the key-message rules of ``data/reference/key_messages.yaml`` (validated, cached).

    >>> catalogue = load_key_message_catalogue()
    >>> catalogue.max_messages, catalogue.messages[0].id
    (7, 'coverage_gap')
    """
    return _load_catalogue(str(path or reference_dir() / KEY_MESSAGES_FILE))


# --------------------------------------------------------------------------------------------
# Choosing the key messages


@dataclass(frozen=True)
class MessageCandidate:
    """A rule that applies: what it speaks of and how severe it is."""

    rule: MessageRule
    order: int
    severity: str
    values: dict[str, object]
    codes: dict[str, tuple[str, ...]]
    evidence: str | None
    entities: tuple[str, ...] = ()


def _quote(labels: Sequence[str], lang: str) -> str:
    return format_list([_t("key_messages.quote", lang, text=label) for label in labels], locale=lang)


def _match_rule(rule: MessageRule, order: int, findings: Sequence[Finding],
                measures: Mapping[str, float], extra: Mapping[str, object]) -> MessageCandidate | None:
    condition = rule.condition
    values: dict[str, object] = dict(extra)
    for name, measure in rule.numbers.items():
        value = measures.get(measure)
        if value is None or value != value:
            return None  # the message would lack one of its numbers
        values[name] = value
    codes: dict[str, tuple[str, ...]] = {}
    if isinstance(condition, MeasureCondition):
        value = measures.get(condition.measure)
        if value is None or value != value or not COMPARATORS[condition.comparator](float(value), condition.threshold):
            return None
        return MessageCandidate(rule, order, rate_severity(rule, values), values, codes, rule.evidence)
    matched = condition.select(findings)
    if not matched:
        return None

    def rank(finding: Finding) -> tuple:
        number = finding.numbers.get(rule.lead, 0) if rule.lead else 0
        return (SEVERITIES.index(finding.severity), number)

    lead = max(matched, key=rank)  # max keeps the first of equals
    values.update(lead.numbers)
    values["n_findings"] = len(matched)
    for key in CODE_FILTERS:
        codes[key] = tuple(dict.fromkeys(c for f in [lead, *matched] for c in get_finding_codes(f, key)))
    severity = lead.severity if rule.severity is None else rate_severity(rule, values)
    return MessageCandidate(rule, order, severity, values, codes, rule.evidence or lead.evidence,
                            tuple(lead.entities))


def choose_key_messages(candidates: Sequence[MessageCandidate], catalogue: KeyMessageCatalogue,
                        n_recommendations: int) -> list[MessageCandidate]:
    """Return the candidates to print: most severe first (then file order), at most
    ``max_per_chapter`` per chapter, informative ones only to reach ``min_messages``; in chapter
    order.

    >>> rule = lambda i, ch: MessageRule(id=i, chapter=ch, when={"finding_kind": i}, headline="1",
    ...                                  text={"fr": "x", "en": "x"})
    >>> cands = [MessageCandidate(rule(i, ch), n, sev, {}, {}, None) for n, (i, ch, sev) in enumerate(
    ...     [("a", "II", "high"), ("b", "II", "high"), ("c", "II", "high"), ("d", "I", "low"), ("e", "III", "info")])]
    >>> [c.rule.id for c in choose_key_messages(cands, load_key_message_catalogue(), 2)]
    ['d', 'a', 'b']
    """
    room = catalogue.max_messages - n_recommendations
    minimum = max(catalogue.min_messages - n_recommendations, 0)
    ranked = sorted(candidates, key=lambda c: (-SEVERITIES.index(c.severity), c.order))
    chosen: list[MessageCandidate] = []
    per_chapter: dict[str, int] = {}
    for candidate in ranked:
        if len(chosen) >= room:
            break
        if candidate.severity == "info" and len(chosen) >= minimum:
            break
        if per_chapter.get(candidate.rule.chapter, 0) >= catalogue.max_per_chapter:
            continue
        chosen.append(candidate)
        per_chapter[candidate.rule.chapter] = per_chapter.get(candidate.rule.chapter, 0) + 1
    # a chapter cap must not leave the page short of messages
    for candidate in ranked:
        if len(chosen) >= minimum:
            break
        if candidate not in chosen:
            chosen.append(candidate)
    chapters = ("I", "II", "III")
    return sorted(chosen, key=lambda c: (chapters.index(c.rule.chapter), -SEVERITIES.index(c.severity), c.order))


def cite_evidence(sentence: str, citations: Sequence[str], lang: str) -> str:
    """Return a sentence closed by its citations in parentheses.

    >>> cite_evidence("Peu d’échanges sont formels.", ["{ref:t1}", "Figure II.1"], "fr")
    'Peu d’échanges sont formels ({ref:t1} ; Figure II.1).'
    """
    if not citations:
        return sentence
    return _t("key_messages.citation", lang, sentence=sentence.rstrip().removesuffix("."),
              citation=_t("key_messages.citation_separator", lang).join(citations))


def _fill(template: str, candidate: MessageCandidate, lang: str, where: str,
          names: Mapping[str, str] | None = None) -> str:
    values = dict(candidate.values)
    if candidate.entities:  # {name:…}: the institution the finding is about, with its article
        entity = candidate.entities[0]
        values["name"] = (names or {}).get(entity) or make_entity_name(entity)
    for key, codes in candidate.codes.items():
        labels = get_labels(CODE_FILTERS[key], lang)
        shown = [labels.get(c, c) for c in codes]
        if shown:
            values[key] = shown[0]
            values[f"{key}s"] = _quote(shown, lang)
    return fill_template(template, lang, values, where=where)


def select_key_messages(findings: Sequence[Finding], measures: Mapping[str, float],
                        recommendations: Sequence[Recommendation], lang: str, *,
                        blocks: Mapping[str, str] | None = None, params: CountryParams | None = None,
                        names: Mapping[str, str] | None = None,
                        catalogue: KeyMessageCatalogue | None = None) -> list[KeyMessage]:
    """Return the key messages of a guide: the most severe findings and measures of chapters I–III,
    then the highest-priority recommendations, each citing its evidence.

    ``blocks`` maps evidence keys ("table II.2") to block ids
    (:func:`~mpanalysis.guide.chapters.recommendations.map_evidence_to_blocks`): a cited block
    becomes ``{ref:id}``, anything else its plain label. ``names`` maps entity ids to the
    :class:`~mpanalysis.wording.EntityName` a text's ``{name:…}`` shows (with its article).

    >>> from mpanalysis.analysis.findings import make_finding
    >>> formal = make_finding("formal_share", numbers={"formal_share": 0.1, "n_formal": 3, "n_edges": 30})
    >>> [(m.headline, m.text) for m in select_key_messages([formal], {}, [], "en", blocks={"table II.2": "t_ind"})]
    [('10%', 'Only 10% of information exchanges between institutions rest on a formal agreement; the others depend on personal contacts or one-off requests and can stop at any time ({ref:t_ind}).')]
    """
    catalogue = catalogue or load_key_message_catalogue()
    blocks = blocks or {}
    extra = {"staleness_years": params.staleness_years} if params is not None else {}
    candidates = [c for c in (_match_rule(rule, order, findings, measures, extra)
                              for order, rule in enumerate(catalogue.messages)) if c is not None]
    top = select_top_recommendations(recommendations, catalogue.recommendations.count) if recommendations else []
    chosen = choose_key_messages(candidates, catalogue, len(top))
    file = reference_dir() / KEY_MESSAGES_FILE
    messages = []
    for candidate in chosen:
        where = f"{file}, message '{candidate.rule.id}'"
        text = _fill(candidate.rule.text[lang], candidate, lang, where, names)
        citations = [format_evidence_key(candidate.evidence, blocks, lang)] if candidate.evidence else []
        messages.append(KeyMessage(headline=_fill(candidate.rule.get_headline(lang), candidate, lang, where),
                                   text=cite_evidence(text, citations, lang)))
    for recommendation in top:
        lead = getattr(recommendation, "lead", "")
        values = {"number": recommendation.number or "", "text": protect_text(recommendation.text),
                  "lead": protect_text(lead)}
        where = f"{file}, key 'recommendations'"
        template = catalogue.recommendations.text if lead else catalogue.recommendations.text_no_lead
        text = fill_template(template[lang], lang, values, where=where)
        citations = list(dict.fromkeys(format_evidence_key(k, blocks, lang) for k in recommendation.evidence))
        if not citations and recommendation.origin == "workshop":
            citations = [_t("key_messages.workshop_origin", lang)]
        messages.append(KeyMessage(headline=fill_template(catalogue.recommendations.headline, lang, values, where=where),
                                   text=cite_evidence(text, citations, lang)))
    return messages


def list_guide_recommendations(ctx: ChapterContext, findings: Sequence[Finding],
                               measures: Mapping[str, float]) -> list[Recommendation]:
    """Return chapter IV's recommendations, numbered and worded as the chapter shows them."""
    measures = {k: v for k, v in measures.items() if not k.startswith("recommendations.")}
    return build_guide_recommendations(ctx, findings, measures)


def build_key_messages_chapter(findings: Sequence[KeyMessage], recommendations: Sequence[KeyMessage],
                               n_total: int, lang: str, length: str = "full") -> Chapter:
    """Return the "Key messages" part: what the answers show, then what to do first (the
    highest-priority of the ``n_total`` recommendations).

    >>> ch = build_key_messages_chapter([KeyMessage(headline="1", text="x")], [], 0, "en")
    >>> ch.title, ch.is_numbered, [s.title for s in ch.sections]
    ('Key messages', False, ['What the answers show'])
    """
    sections = []
    if findings:
        sections.append(Section(title=_t("key_messages.findings_title", lang), blocks=list(findings)))
    if recommendations:
        intro = _t(f"key_messages.recommendations_{length}", lang, n_recommendations=len(recommendations),
                   n_total=n_total)
        sections.append(Section(title=_t("key_messages.recommendations_title", lang),
                                blocks=[Paragraph(text=intro), *recommendations]))
    n_messages = len(findings) + len(recommendations)
    intro = _t("key_messages.intro", lang, n_messages=n_messages) if n_messages else _t("key_messages.intro_none", lang)
    return Chapter(number="KM", key="key_messages", title=_t("key_messages.title", lang), intro=intro,
                   sections=sections, is_numbered=False)


# --------------------------------------------------------------------------------------------
# Foreword


def build_foreword_chapter(params: CountryParams, lang: str, is_draft: bool) -> Chapter | None:
    """Return the foreword of the national coordinating authority, from the parameters.

    Without a foreword in ``lang``, a draft gets a visible placeholder saying where to write it;
    an endorsed guide gets none (None).

    >>> p = CountryParams(country="SEN", foreword={"text": {"fr": "Un.\\n\\nDeux."}, "signatory": "A. Sarr",
    ...     "function": {"fr": "Directrice"}, "place": "Dakar", "date": "2025-10-01"})
    >>> [b.type for b in build_foreword_chapter(p, "fr", False).blocks]
    ['paragraph', 'paragraph', 'signature']
    >>> build_foreword_chapter(p, "fr", False).blocks[-1].lines
    ['Dakar, le 1ᵉʳ octobre 2025', 'A. Sarr', 'Directrice']
    >>> build_foreword_chapter(p, "en", True).blocks[0].kind, build_foreword_chapter(p, "en", False)
    ('warning', None)
    """
    foreword = params.foreword
    paragraphs = foreword.get_paragraphs(lang) if foreword else []
    title = _t("foreword.title", lang)
    if not paragraphs:
        if not is_draft:
            return None
        placeholder = Callout(kind="warning", title=_t("foreword.placeholder_title", lang),
                              text=_t("foreword.placeholder", lang, iso3=params.country))
        return Chapter(number="FW", key="foreword", title=title, blocks=[placeholder], is_numbered=False)
    lines = []
    if foreword.place and foreword.date:
        lines.append(_t("foreword.place_date", lang, place=protect_text(foreword.place),
                        date=format_date_text(foreword.date, lang)))
    elif foreword.place or foreword.date:
        lines.append(protect_text(foreword.place) if foreword.place else format_date_text(foreword.date, lang))
    lines.append(protect_text(foreword.signatory))
    for field in (foreword.function, foreword.institution):
        if field.get(lang):
            lines.append(protect_text(field[lang]))
    blocks = [Paragraph(text=protect_text(p)) for p in paragraphs] + [Signature(lines=lines)]
    return Chapter(number="FW", key="foreword", title=title, blocks=blocks, is_numbered=False)


# --------------------------------------------------------------------------------------------
# How to use this guide


def end_list(items: Sequence[str]) -> list[str]:
    """Return list items that each end with a semicolon, the last one ending with a full stop
    instead, as a sentence broken into a list does.

    >>> end_list(["les sources\u00a0;", "le réseau\u00a0;"])
    ['les sources\xa0;', 'le réseau.']
    """
    items = list(items)
    if items:
        items[-1] = items[-1].rstrip(" \u00a0\u202f;.") + "."
    return items


def _chapter_heading(chapter: Chapter) -> str:
    return f"{chapter.number}. {chapter.title}" if chapter.is_numbered else chapter.title


def _data_paragraphs(params: CountryParams, lang: str, is_draft: bool) -> list[Paragraph]:
    return [Paragraph(text=_t("how_to_use.data", lang, iso3=params.country)),
            Paragraph(text=_t("how_to_use.atlas_draft" if is_draft else "how_to_use.atlas_public", lang))]


def build_how_to_use_chapter(ctx: ChapterContext, chapters: Sequence[Chapter], *, length: str = "full",
                             is_draft: bool = True) -> Chapter:
    """Return "How to use this guide": who it is for, what it rests on, what each chapter holds
    (full guide), how to read figures and tables, where the open data are (full guide).

    >>> from mpanalysis.analysis.profile.examples import make_example_dataset
    >>> ctx = ChapterContext(make_example_dataset(), CountryParams(country="SEN"), "en")
    >>> ch = build_how_to_use_chapter(ctx, [Chapter(number="I", key="sources", title="Sources")])
    >>> [s.title for s in ch.sections]
    ['Who this guide is for', 'What this guide contains', 'How to read the figures and tables', 'Where to find the data']
    >>> ch.sections[1].blocks[1].items
    ['I. Sources: the migration data sources, domain by domain, and their gaps.']
    """
    lang, params = ctx.lang, ctx.params
    n_respondents = len(ctx.dataset.respondents)
    workshop = params.workshop
    if workshop.date:
        basis = _t("how_to_use.basis_workshop", lang, n_respondents=n_respondents,
                   date=format_date_text(workshop.date, lang))
    else:
        basis = _t("how_to_use.basis", lang, n_respondents=n_respondents)
    audience = [Paragraph(text=_t("how_to_use.audience", lang)), Paragraph(text=basis)]
    reading = [_t(f"how_to_use.reading.{k}", lang) for k in ("numbering", "network", "terms", "interactive")]
    if length == "brief":
        # a few lines, on the foreword's page: who it is for, what the brief holds, how to read it
        blocks = [*audience, Paragraph(text=_t("how_to_use.brief_contents", lang)), BulletList(items=reading[:2])]
        return Chapter(number="HU", key="how_to_use", title=_t("how_to_use.title", lang), blocks=blocks,
                       is_numbered=False, starts_page=False)
    items = []
    for chapter in chapters:
        try:
            description = _t(f"how_to_use.chapters.{chapter.key}", lang)
        except ReferenceDataError:  # a chapter without a description is listed by its title
            description = None
        heading = _chapter_heading(chapter)
        items.append(_t("how_to_use.chapter_item", lang, heading=heading, description=description)
                     if description else heading)
    contents = [Paragraph(text=_t("how_to_use.contents_intro", lang))]
    if items:
        contents.append(BulletList(items=end_list(items)))
    contents.append(Paragraph(text=_t("how_to_use.annexes", lang)))
    sections = [Section(title=_t("how_to_use.audience_title", lang), blocks=audience),
                Section(title=_t("how_to_use.contents_title", lang), blocks=contents),
                Section(title=_t("how_to_use.reading_title", lang), blocks=[BulletList(items=reading)]),
                Section(title=_t("how_to_use.data_title", lang), blocks=_data_paragraphs(params, lang, is_draft))]
    return Chapter(number="HU", key="how_to_use", title=_t("how_to_use.title", lang), sections=sections,
                   is_numbered=False)


def build_front_matter(ctx: ChapterContext, chapters: Sequence[Chapter], findings: Sequence[Finding],
                       measures: Mapping[str, float], recommendations: Sequence[Recommendation], *,
                       length: str = "full", is_draft: bool = True) -> list[Chapter]:
    """Return the opening of a guide: key messages, the foreword (when there is one or a
    placeholder is due), how to use this guide.

    ``chapters`` are the guide's chapters I–IV (and V) as saved: the key messages cite their
    figures and tables, "how to use" lists them.
    """
    lang = ctx.lang
    catalogue = load_key_message_catalogue()
    # institutions as the guide names them in its language (the parameters' corrections, translations)
    names = name_entities(ctx.dataset.entities, load_name_overrides(ctx.country, ctx.params), lang)
    messages = select_key_messages(findings, measures, recommendations, lang, blocks=map_evidence_to_blocks(chapters),
                                   params=ctx.params, names=names, catalogue=catalogue)
    n_findings = len(messages) - min(catalogue.recommendations.count, len(recommendations))
    parts = [build_key_messages_chapter(messages[:n_findings], messages[n_findings:], len(recommendations),
                                        lang, length)]
    foreword = build_foreword_chapter(ctx.params, lang, is_draft)
    if foreword is not None:
        parts.append(foreword)
    parts.append(build_how_to_use_chapter(ctx, chapters, length=length, is_draft=is_draft))
    return parts


# --------------------------------------------------------------------------------------------
# The brief


class _BriefBlock(_Model):
    block: str
    finding: str | None = None


class BriefSettings(_Model):
    max_blocks: int = Field(ge=1, le=6)
    blocks: list[_BriefBlock]


@cache
def _load_brief(path: str) -> BriefSettings:
    return _read_settings(path, BriefSettings, "the brief's figures")


def load_brief_settings(path: str | Path | None = None) -> BriefSettings:
    """Return the brief's figures and tables (``data/reference/brief.yaml``).

    >>> [b.block for b in load_brief_settings().blocks][:2]
    ['policy_network', 'sources_domain_summary']
    """
    return _load_brief(str(path or reference_dir() / BRIEF_FILE))


def _is_shown(block: Any, edition: str) -> bool:
    return block.audience in ("all", edition)


def build_brief_figures_chapter(chapters: Sequence[Chapter], findings: Sequence[Finding], numbering: Numbering,
                                lang: str, edition: str = "public") -> Chapter | None:
    """Return the brief's figures: those of ``brief.yaml`` the guide has, each introduced by the
    sentence of its finding and keeping its number in the full guide (``numbering``).

    >>> t = Table(id="sources_domain_summary", caption="Sources", columns=["a"], rows=[])
    >>> full = [Chapter(number="I", key="sources", title="S", blocks=[t])]
    >>> from mpanalysis.guide.document import label_blocks
    >>> ch = build_brief_figures_chapter(full, [], label_blocks(full, "en"), "en")
    >>> ch.blocks[-1].number, ch.is_numbered
    ('I.1', False)
    """
    settings = load_brief_settings()
    available = {b.id: b for c in chapters for b in iter_blocks(c)
                 if isinstance(b, (Figure, Table)) and _is_shown(b, edition)}
    by_kind: dict[str, Finding] = {}
    for finding in findings:
        by_kind.setdefault(finding.kind, finding)
    blocks: list = []
    n_blocks = 0
    for entry in settings.blocks:
        if n_blocks >= settings.max_blocks or entry.block not in available:
            continue
        finding = by_kind.get(entry.finding) if entry.finding else None
        if finding is not None:
            blocks.append(Paragraph(text=protect_text(finding.get_text(lang))))
        block = available[entry.block]
        blocks.append(block.model_copy(update={"number": numbering.numbers.get(block.id)}))
        n_blocks += 1
    if not n_blocks:
        return None
    return Chapter(number="BF", key="brief_figures", title=_t("brief.figures.title", lang),
                   intro=_t("brief.figures.intro", lang), blocks=blocks, is_numbered=False,
                   running_title=_t("brief.running_title", lang))


def build_brief_recommendations_chapter(recommendations: Sequence[Recommendation], findings: Sequence[Finding],
                                        blocks: Mapping[str, str], lang: str) -> Chapter:
    """Return the brief's priority recommendations, each in full as chapter IV prints it (lead,
    partners, time frame, indicator, priority and origin, evidence), under its number and text.

    >>> from mpanalysis.analysis.recommendations import number_recommendations
    >>> r = number_recommendations([Recommendation("a", "cooperation", "high", "Relier les silos.", "fr",
    ...     lead="Direction générale des migrations", timeframe="short", indicator="Deux accords signés.")])
    >>> ch = build_brief_recommendations_chapter(r, [], {}, "fr")
    >>> ch.sections[0].title, [item.replace("\\xa0", " ") for item in ch.sections[0].blocks[0].items[:2]]
    ('R1. Relier les silos.', ['Chef de file : Direction générale des migrations.', 'Échéance : Court terme (moins d’un an).'])
    """
    top = select_top_recommendations(recommendations, N_BRIEF_RECOMMENDATIONS)
    title = _t("brief.recommendations.title", lang)
    if not top:
        return Chapter(number="BR", key="brief_recommendations", title=title, is_numbered=False, starts_page=False,
                       blocks=[Paragraph(text=_t("brief.recommendations.none", lang))])
    findings_by_id = {f.id: f for f in findings}
    sections = []
    for recommendation in top:
        head, *details = build_recommendation_blocks(recommendation, findings_by_id, blocks, lang)
        sections.append(Section(title=head.text, blocks=details))
    return Chapter(number="BR", key="brief_recommendations", title=title, is_numbered=False, starts_page=False,
                   intro=_t("brief.recommendations.intro", lang, n=len(top), n_total=len(recommendations)),
                   sections=sections)


def build_brief_more_chapter(ctx: ChapterContext, chapters: Sequence[Chapter], n_recommendations: int, *,
                             full_file: str, edition: str = "public", is_draft: bool = True) -> Chapter:
    """Return "Where to find the rest": what the full version holds, chapter by chapter, and
    where the open data, the atlas and the analysis notebooks are."""
    lang = ctx.lang
    items = []
    for chapter in chapters:
        heading = _chapter_heading(chapter)
        if chapter.key == "recommendations":
            items.append(_t("brief.more.recommendations_item", lang, heading=heading, n_total=n_recommendations))
            continue
        shown = [b for b in iter_blocks(chapter) if isinstance(b, (Figure, Table)) and _is_shown(b, edition)]
        items.append(_t("brief.more.chapter_item", lang, heading=heading,
                        n_figures=sum(isinstance(b, Figure) for b in shown),
                        n_tables=sum(isinstance(b, Table) for b in shown)))
    items.append(_t("brief.more.annexes_item", lang))
    iso3 = ctx.params.country
    data = [_t("brief.more.data_item", lang, iso3=iso3), _t("brief.more.analysis_item", lang, iso3=iso3),
            _t("brief.more.atlas_draft_item" if is_draft else "brief.more.atlas_public_item", lang)]
    blocks = [Paragraph(text=_t("brief.more.full", lang, file=full_file)), BulletList(items=items),
              Paragraph(text=_t("brief.more.data_intro", lang)), BulletList(items=data)]
    return Chapter(number="BM", key="brief_more", title=_t("brief.more.title", lang), blocks=blocks,
                   is_numbered=False, starts_page=False)


def build_brief_chapters(ctx: ChapterContext, chapters: Sequence[Chapter], findings: Sequence[Finding],
                         recommendations: Sequence[Recommendation], numbering: Numbering, *,
                         full_file: str, edition: str = "public", is_draft: bool = True) -> list[Chapter]:
    """Return the brief guide's parts after its opening: the figures that say the most, the
    priority recommendations in full, where to find the rest.

    ``numbering`` is the full guide's (figures keep their numbers); ``full_file`` the full
    guide's file name, which the last part names.
    """
    blocks = map_evidence_to_blocks(chapters)
    parts = [build_brief_figures_chapter(chapters, findings, numbering, ctx.lang, edition),
             build_brief_recommendations_chapter(recommendations, findings, blocks, ctx.lang),
             build_brief_more_chapter(ctx, chapters, len(recommendations), full_file=full_file, edition=edition,
                                      is_draft=is_draft)]
    return [p for p in parts if p is not None]
