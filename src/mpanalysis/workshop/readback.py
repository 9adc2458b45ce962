"""Filled worksheets read back: validated like any other input, merged, written as decisions.

``mpanalysis workshop ISO3 --read FILE [FILE…]`` reads one worksheet per working group. Every
mistake (unknown id, a choice not in the list, an empty required cell, a merge into an entity
that does not exist or is itself merged, two groups deciding differently on the same row) is
collected with its file, sheet, row and column, and the whole read stops with all of them
(:class:`~mpanalysis.decisions.WorksheetError`): nothing is half-applied. Otherwise the decisions
replace the ``workshop`` part of ``params/<ISO3>.workshop.yaml`` (the review and the endorsement
are kept) and :func:`describe_changes` says what will change in the guide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mpanalysis.analysis.recommendations import CATEGORY_LIST, get_rule_labels
from mpanalysis.decisions import (
    Decisions,
    FindingDecision,
    NameDecision,
    Participant,
    Problem,
    ProblemDecision,
    RecommendationDecision,
    SourceFile,
    WorksheetError,
    WorkshopRecord,
    write_decisions,
)
from mpanalysis.provenance import hash_file
from mpanalysis.reference import get_codes, get_labels
from mpanalysis.workshop.kit import (
    ENTITY_SEPARATOR,
    KitState,
    build_worksheet,
    get_choice_labels,
    load_kit_state,
)
from mpanalysis.workshop.sheets import find_choice, read_workbook, read_workbook_meta


@dataclass
class _Located:
    """A decision with where it was read, to report conflicts between groups."""

    value: object
    file: str
    sheet: str
    row: int


@dataclass
class _Reader:
    state: KitState
    problems: list[Problem] = field(default_factory=list)

    def choice(self, value: str | None, labels: dict[str, str], where: tuple, column: str) -> str | None:
        """The code of a drop-down value (its label in the sheet's language, or the code itself)."""
        if value is None:
            return None
        code = find_choice(value, labels)
        if code is None:
            self.add(where, column, f"'{value}' is not one of the choices: {', '.join(labels.values())}")
        return code

    def add(self, where: tuple, column: str | None, message: str) -> None:
        file, sheet, row = where
        self.problems.append(Problem(file=file, sheet=sheet, row=row, column=column, message=message))


def _texts(row: dict, code: str, lang: str, others: Sequence[str]) -> dict[str, str] | None:
    texts = {lang: row.get(code)} | {o: row.get(f"{code}_{o}") for o in others}
    texts = {k: v for k, v in texts.items() if v}
    return texts or None


def _header_of(spec_sheets: dict, sheet: str, code: str) -> str:
    return spec_sheets[sheet].get_column(code).header


def read_worksheet(path: str | Path, state: KitState, reader: _Reader) -> dict[str, list[_Located]]:
    """Return the decisions of one filled worksheet, by kind; mistakes go to ``reader.problems``."""
    book = build_worksheet(state)
    specs = {s.code: s for s in book.sheets}
    name = Path(path).name
    meta, sheets = read_workbook(path, specs, reader.problems)
    out: dict[str, list[_Located]] = {k: [] for k in ("findings", "problems", "recommendations", "names", "participants")}
    if not sheets and not meta:
        return out
    if meta.get("kind") != "workshop":
        reader.problems.append(Problem(file=name, message="not a workshop worksheet (written by `mpanalysis workshop`)"))
        return out
    if meta.get("country") != state.country:
        reader.problems.append(Problem(file=name, message=f"worksheet of country {meta.get('country')}, not {state.country}"))
        return out
    if meta.get("lang") != state.lang:
        reader.problems.append(Problem(file=name, message=f"worksheet in '{meta.get('lang')}': read it with the other "
                                                          f"worksheets in that language"))
        return out
    lang = state.lang
    others = [o for o in state.ctx.params.languages if o != lang]
    as_entity = _make_institution_reader(state)

    def header(sheet: str, code: str) -> str:
        return _header_of(specs, sheet, code)

    known_findings = {f.id for f in state.findings} | {d.id for d in _previous(state, "findings")}
    sheet = sheets.get("findings")
    for row in sheet.rows if sheet else []:
        where = (name, sheet.title, row["_row"])
        decision = reader.choice(row.get("decision"), get_choice_labels("finding", lang), where, header("findings", "decision"))
        if row.get("decision") is None:
            continue
        if row.get("id") not in known_findings:
            reader.add(where, header("findings", "id"), f"unknown finding id '{row.get('id')}'")
            continue
        if decision == "corrected" and not row.get("correction"):
            reader.add(where, header("findings", "correction"), "a corrected finding needs its correction")
        if decision == "rejected" and not row.get("comment"):
            reader.add(where, header("findings", "comment"), "a rejected finding needs the reason (printed in the guide)")
        if decision:
            finding = next((f for f in state.findings if f.id == row["id"]), None)
            text = dict(finding.text) if finding else next(
                (d.text for d in _previous(state, "findings") if d.id == row["id"]), None)
            out["findings"].append(_Located(FindingDecision(
                id=row["id"], decision=decision, text=text, comment=row.get("comment"),
                correction=_texts(row, "correction", lang, others) if decision == "corrected" else None),
                name, sheet.title, row["_row"]))

    challenges = set(get_codes("challenges"))
    sheet = sheets.get("problems")
    for row in sheet.rows if sheet else []:
        where = (name, sheet.title, row["_row"])
        if row.get("severity_agreed") is None and row.get("solutions") is None:
            continue
        if row.get("challenge") not in challenges:
            reader.add(where, header("problems", "challenge"), f"unknown challenge '{row.get('challenge')}'")
            continue
        severity = row.get("severity_agreed")
        if severity is not None and severity not in ("0", "1", "2", "3"):
            reader.add(where, header("problems", "severity_agreed"), f"'{severity}' is not a severity from 0 to 3")
            severity = None
        lines = {code: [s.strip() for s in (row.get(key) or "").splitlines() if s.strip()]
                 for code, key in [(lang, "solutions"), *((o, f"solutions_{o}") for o in others)]}
        solutions = [{code: lines[code][i] for code in lines if i < len(lines[code])} for i in range(len(lines[lang]))]
        out["problems"].append(_Located(ProblemDecision(
            challenge=row["challenge"], severity=int(severity) if severity is not None else None, solutions=solutions),
            name, sheet.title, row["_row"]))

    known_recommendations = set(state.recommendations["id"]) | {d.id for d in _previous(state, "recommendations")}
    categories = get_labels(CATEGORY_LIST, lang)
    timeframes = get_rule_labels("timeframe", lang)
    priorities = get_rule_labels("priority", lang)
    sheet = sheets.get("recommendations")
    for row in sheet.rows if sheet else []:
        where = (name, sheet.title, row["_row"])
        rid = row.get("id")
        if row.get("decision") is None:
            if any(row.get(c) for c in ("amended_text", "lead", "timeframe", "priority", "indicator")):
                reader.add(where, header("recommendations", "decision"), "choose a decision for the cells filled in")
            continue
        decision = reader.choice(row["decision"], get_choice_labels("recommendation", lang), where,
                                 header("recommendations", "decision"))
        is_new_row = bool(rid) and rid.startswith("new.")
        if not is_new_row and rid not in known_recommendations:
            reader.add(where, header("recommendations", "id"), f"unknown recommendation id '{rid}'")
            continue
        if decision == "new" and not is_new_row:
            reader.add(where, header("recommendations", "decision"), "a new recommendation goes on an empty row (new.N)")
            continue
        if is_new_row and decision not in (None, "new"):
            reader.add(where, header("recommendations", "decision"), "an empty row takes only a new recommendation")
            continue
        category = reader.choice(row.get("category"), categories, where, header("recommendations", "category")) \
            if is_new_row else None
        timeframe = reader.choice(row.get("timeframe"), timeframes, where, header("recommendations", "timeframe"))
        priority = reader.choice(row.get("priority"), priorities, where, header("recommendations", "priority"))
        if decision in ("amend", "new") and not row.get("amended_text"):
            reader.add(where, header("recommendations", "amended_text"),
                       "an amended or new recommendation needs its text")
        if decision == "new":
            for code, value in (("category", row.get("category")), ("lead", row.get("lead")),
                                ("timeframe", row.get("timeframe"))):
                if not value:
                    reader.add(where, header("recommendations", code), "a new recommendation needs this cell")
        if decision:
            partners = [as_entity(p) for p in (row.get("partners") or "").replace(";", "\n").splitlines() if p.strip()]
            out["recommendations"].append(_Located(RecommendationDecision(
                id=rid, decision=decision, category=category, lead=as_entity(row.get("lead")), partners=partners,
                text=_texts(row, "amended_text", lang, others) if decision in ("amend", "new") else None,
                timeframe=timeframe, priority=priority, indicator=_texts(row, "indicator", lang, others),
                comment=row.get("comment")), name, sheet.title, row["_row"]))

    entity_ids = set(state.ctx.dataset.entities["entity_id"].astype(str)) | {
        d.entity_id for d in _previous(state, "names")}
    current_names = dict(zip(state.ctx.dataset.entities["entity_id"].astype(str),
                             state.ctx.dataset.entities["name"].astype(str)))
    sheet = sheets.get("names")
    for row in sheet.rows if sheet else []:
        where = (name, sheet.title, row["_row"])
        translations = {o: row[f"official_name_{o}"] for o in others if row.get(f"official_name_{o}")}
        if not (translations or any(row.get(c) for c in ("official_name", "acronym", "merge_into"))):
            continue
        entity_id = row.get("entity_id")
        if entity_id not in entity_ids:
            reader.add(where, header("names", "entity_id"), f"unknown entity id '{entity_id}'")
            continue
        target = (row.get("merge_into") or "").split(ENTITY_SEPARATOR)[0].strip() or None
        if target is not None and target not in entity_ids:
            reader.add(where, header("names", "merge_into"), f"cannot merge into '{target}': no such entity")
            continue
        if target == entity_id:
            reader.add(where, header("names", "merge_into"), "an entity cannot be merged into itself")
            continue
        out["names"].append(_Located(NameDecision(
            entity_id=entity_id, name_found=current_names.get(entity_id, row.get("name_found")),
            official_name=row.get("official_name"), translations=translations, acronym=row.get("acronym"),
            merge_into=target),
            name, sheet.title, row["_row"]))

    sheet = sheets.get("participants")
    for row in sheet.rows if sheet else []:
        where = (name, sheet.title, row["_row"])
        if not any(row.get(c) for c in ("name", "institution", "function")):
            continue
        for code in ("name", "institution"):
            if not row.get(code):
                reader.add(where, header("participants", code), "a participant needs a name and an institution")
        if row.get("name") and row.get("institution"):
            out["participants"].append(_Located(Participant(name=row["name"], institution=as_entity(row["institution"]),
                                                            function=row.get("function")), name, sheet.title, row["_row"]))
    return out


def _make_institution_reader(state: KitState):
    """Return a function reading an institution's cell: a name from the drop-down list (or typed
    as it is there) becomes the entity id, so the guide prints the institution's current name in
    each language, its official one once the workshop gave it; other text is kept as written."""
    from mpanalysis.analysis.recommendations import build_actor_table

    actors = build_actor_table(state.ctx.dataset)
    ids = {str(n).casefold(): str(i) for i, n in zip(actors["entity_id"], actors["name"])}

    def as_entity(value: str | None) -> str | None:
        return ids.get(value.strip().casefold(), value.strip()) if value else value

    return as_entity


def _follow_merges(merged: dict[str, list]) -> dict[str, list]:
    """The institutions the decisions name (leads, partners, participants' institutions) that the
    same worksheets merge into another are the one that stays."""
    into = {n.entity_id: n.merge_into for n in merged["names"] if n.merge_into}
    if not into:
        return merged
    recommendations = [r.model_copy(update={"lead": into.get(r.lead, r.lead),
                                            "partners": [into.get(p, p) for p in r.partners]})
                       for r in merged["recommendations"]]
    participants = [p.model_copy(update={"institution": into.get(p.institution, p.institution)})
                    for p in merged["participants"]]
    return {**merged, "recommendations": recommendations, "participants": participants}


def _previous(state: KitState, kind: str) -> list:
    record = state.decisions.workshop
    return list(getattr(record, kind)) if record is not None else []


def _key(kind: str, value) -> str:
    return {"findings": lambda v: v.id, "problems": lambda v: v.challenge, "recommendations": lambda v: v.id,
            "names": lambda v: v.entity_id}[kind](value)


def merge_worksheets(read: list[dict[str, list[_Located]]], reader: _Reader) -> dict[str, list]:
    """Return the decisions of several groups' worksheets as one set; two groups deciding
    differently on the same row is a conflict, reported (never resolved by the tool)."""
    merged: dict[str, list] = {}
    for kind in ("findings", "problems", "recommendations", "names"):
        chosen: dict[str, _Located] = {}
        new: list = []
        for one in read:
            for located in one[kind]:
                value = located.value
                if kind == "recommendations" and value.decision == "new":
                    new.append(value)
                    continue
                key = _key(kind, value)
                if key in chosen and chosen[key].value != value:
                    first = chosen[key]
                    reader.problems.append(Problem(
                        file=located.file, sheet=located.sheet, row=located.row,
                        message=f"conflict on '{key}': {first.file}, row {first.row} decided otherwise; "
                                f"settle it in plenary and correct one worksheet"))
                chosen.setdefault(key, located)
        values = [c.value for c in chosen.values()]
        if kind == "recommendations":
            # new recommendations of every group, numbered in reading order (files as given)
            values += [v.model_copy(update={"id": f"new.{i}"}) for i, v in enumerate(new, start=1)]
        merged[kind] = values
    merged["participants"] = [located.value for one in read for located in one["participants"]]
    _check_merges(merged["names"], reader, read)
    return merged


def _check_merges(names: list[NameDecision], reader: _Reader, read: list[dict[str, list[_Located]]]) -> None:
    merged_away = {n.entity_id: n.merge_into for n in names if n.merge_into}
    where = {located.value.entity_id: located for one in read for located in one["names"]}
    for source, target in merged_away.items():
        if target in merged_away:
            located = where[source]
            reader.problems.append(Problem(
                file=located.file, sheet=located.sheet, row=located.row, column=None,
                message=f"'{source}' is merged into '{target}', which is itself merged into "
                        f"'{merged_away[target]}': merge it into the entity that stays"))


def check_worksheets(files: Sequence[str | Path], state: KitState) -> dict[str, list]:
    """Return the decisions of the filled worksheets, checked and merged (``{kind: [decision…]}``
    for ``findings``, ``problems``, ``recommendations``, ``names``, ``participants``).

    Raises :class:`~mpanalysis.decisions.WorksheetError` listing every mistake of every file,
    each located by file, sheet, row and column, when there is any.
    """
    missing = [Path(f) for f in files if not Path(f).is_file()]
    if missing:
        raise WorksheetError([Problem(file=str(p), message="file not found") for p in missing])
    reader = _Reader(state)
    merged = merge_worksheets([read_worksheet(f, state, reader) for f in files], reader)
    if reader.problems:
        raise WorksheetError(reader.problems)
    return _follow_merges(merged)


@dataclass(frozen=True)
class ReadResult:
    decisions: Decisions
    path: Path
    changes: list[str]


def read_workshop_worksheets(country: str, files: Sequence[str | Path], *, lang: str | None = None,
                             date: dt.date | None = None, place: str | None = None,
                             is_dry_run: bool = False) -> ReadResult:
    """Read, check and merge the filled worksheets; write ``params/<ISO3>.workshop.yaml``.

    Raises :class:`~mpanalysis.decisions.WorksheetError` listing every mistake, with nothing
    written, when any worksheet has one.
    """
    from mpanalysis.params import load_params

    params = load_params(country)
    langs = [lang] if lang else _detect_languages(files) or [params.languages[0]]
    if len(set(langs)) > 1:
        raise WorksheetError([Problem(file=", ".join(Path(f).name for f in files),
                                      message=f"worksheets in several languages ({', '.join(sorted(set(langs)))}): "
                                              f"the groups of one workshop fill in worksheets of one language")])
    state = load_kit_state(country, langs[0])
    merged = check_worksheets(files, state)
    previous = state.decisions
    record = WorkshopRecord(
        lang=state.lang, date=date or params.workshop.date or (previous.workshop.date if previous.workshop else None),
        place=place or params.workshop.place, read_at=dt.date.today(),
        files=[SourceFile(file=Path(f).name, sha256=hash_file(f)) for f in files],
        participants=merged["participants"], findings=merged["findings"], problems=merged["problems"],
        recommendations=merged["recommendations"], names=merged["names"])
    decisions = previous.model_copy(update={"workshop": record})
    from mpanalysis.decisions import decisions_path

    path = decisions_path(country)
    if not is_dry_run:
        write_decisions(decisions, path)
    return ReadResult(decisions=decisions, path=path, changes=describe_changes(record, state))


def _detect_languages(files: Sequence[str | Path]) -> list[str]:
    # a file that is not a worksheet has no language: read_workbook says what is wrong with it
    return [lang for lang in (read_workbook_meta(f).get("lang") for f in files) if lang]


def describe_changes(record: WorkshopRecord, state: KitState) -> list[str]:
    """Return what the decisions will change in the guide, one line each (for the terminal)."""
    lang = state.lang
    numbers = state.get_finding_numbers()
    findings = {f.id: f for f in state.findings}
    lines = []
    for d in record.findings:
        text = findings[d.id].get_text(lang) if d.id in findings else (d.text or {}).get(lang, d.id)
        label = f"{numbers.get(d.id, '')} {d.id}".strip()
        if d.decision == "rejected":
            lines.append(f"finding {label} leaves the guide (listed in the methodology annex): {text}")
        elif d.decision == "corrected":
            lines.append(f"finding {label} is corrected and marked as validated at the workshop")
        else:
            lines.append(f"finding {label} is marked as validated at the workshop")
    rejected = {d.id for d in record.findings if d.decision == "rejected"}
    recs = {r["id"]: r for r in state.recommendations.to_dict("records")}
    entities = state.ctx.dataset.entities
    names = dict(zip(entities["entity_id"].astype(str), entities["name"].astype(str)))
    for rid, r in recs.items():
        rested_on = set(str(r.get("finding_ids", "")).split()) if "finding_ids" in r else set()
        if rested_on and rested_on <= rejected:
            lines.append(f"recommendation {r['number']} ({rid}) rested only on rejected findings: it leaves too")
    for d in record.recommendations:
        number = recs.get(d.id, {}).get("number", "")
        label = f"{number} ({d.id})" if number else d.id
        if d.decision == "drop":
            lines.append(f"recommendation {label} is dropped")
        elif d.decision == "amend":
            lines.append(f"recommendation {label} is amended: {next(iter((d.text or {}).values()), '')}")
        elif d.decision == "adopt":
            lines.append(f"recommendation {label} is adopted as it stands")
        else:
            lines.append(f"new recommendation ({d.category}, lead {names.get(d.lead, d.lead)}, {d.timeframe} term): "
                         f"{next(iter((d.text or {}).values()), '')}")
    for d in record.names:
        if d.merge_into:
            lines.append(f"entity {d.entity_id} ({d.name_found}) is merged into {d.merge_into}")
        if d.official_name or d.acronym or d.translations:
            lines.append(f"entity {d.entity_id} is named '{d.official_name or d.name_found}'"
                         + (f" ({d.acronym})" if d.acronym else "")
                         + "".join(f", in '{k}' '{v}'" for k, v in d.translations.items()))
    for d in record.problems:
        if d.severity is not None:
            lines.append(f"challenge {d.challenge}: severity agreed {d.severity}/3")
        if d.solutions:
            lines.append(f"challenge {d.challenge}: {len(d.solutions)} solution(s) agreed replace those shown")
    if record.participants:
        n_institutions = len({p.institution.casefold() for p in record.participants})
        lines.append(f"{len(record.participants)} participant(s) from {n_institutions} institution(s) "
                     f"(names in the restricted edition only)")
    return lines
