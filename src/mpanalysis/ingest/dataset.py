"""The canonical tables of one country (see docs/architecture.md, "Data model").

``load_country_dataset`` reads every export in a country's input folder, validates each row, sets
aside what is wrong (with an issue naming file, sheet, row and column), resolves duplicate
submissions, reconciles institution names to entities and returns a :class:`CountryDataset`.

Two kinds of repetition are told apart:

- a **corrected file**: a later file (by modification time, then name) that repeats submission
  ids (``_uuid``, ODK's instance id) of an earlier one — a corrected copy of an export, or a new
  export of the same form. The later file's rows replace the earlier ones, reported as
  ``corrected`` and counted in ``rows_corrected``, never as duplicates nor as set aside;
- a **duplicate submission**: the same institution answered twice (different submissions): the
  latest by submission time is kept, the other set aside as ``superseded duplicate``.

Partner names that the reconciliation kept apart although a responding institution is close
(a near miss) are warnings, each with the candidate, its score and the ``aliases:`` line that
would merge them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mpanalysis.ingest.schemas import TABLE_COLUMNS, UTC_TIME, get_dtype, validate_tables

if TYPE_CHECKING:  # pragma: no cover
    from mpanalysis.ingest.readers import RawExport
    from mpanalysis.ingest.validation import CheckedTable
    from mpanalysis.params import CountryParams

@dataclass(frozen=True)
class CountryDataset:
    """Everything the analysis knows about one country, as validated canonical tables.

    ``reconciliation`` holds the reconciliation report tables (``matches``, ``unresolved``);
    ``input_hashes`` maps each input file name to its SHA-256, for provenance.
    """

    country: str
    respondents: pd.DataFrame
    entities: pd.DataFrame
    sources: pd.DataFrame
    flows: pd.DataFrame
    stages: pd.DataFrame
    challenges: pd.DataFrame
    needs: pd.DataFrame
    mp_use: pd.DataFrame
    issues: pd.DataFrame
    counts: pd.DataFrame
    reconciliation: dict[str, pd.DataFrame] = field(default_factory=dict)
    input_hashes: dict[str, str] = field(default_factory=dict)

    def get_table(self, name: str) -> pd.DataFrame:
        return getattr(self, name)

    @property
    def is_balanced(self) -> bool:
        """True when every table satisfies rows read = rows accepted + rows set aside."""
        c = self.counts
        return bool((c["rows_read"] == c["rows_accepted"] + c["rows_set_aside"]).all())


# --------------------------------------------------------------------------------------------
# loading a country


@dataclass(frozen=True)
class _Export:
    """One export through the checks: its raw tables and the outcome per table."""

    raw: "RawExport"
    main: "CheckedTable"
    sources: "CheckedTable"
    flows: "CheckedTable"


def load_country_dataset(iso3_or_folder: str | Path, params: "CountryParams | None" = None, *,
                         lang: str | None = None, max_year: int | None = None) -> CountryDataset:
    """Read, validate, de-duplicate and reconcile a country's exports into a :class:`CountryDataset`.

    ``iso3_or_folder`` is an ISO3 code (parameters from ``params/<ISO3>.yaml``, inputs from
    ``params.inputs`` or ``data/raw/<ISO3>/``), an input folder or a single export file. Rows
    with errors are set aside and reported in ``issues``; when the same institution submitted
    more than once, the latest submission (by submission time) is kept and the others are set
    aside as ``superseded duplicate`` with their repeat rows. ``lang`` is the language of the
    issue messages (default: the country's first language); ``max_year`` the latest year
    accepted for ``source_last_update`` (default: the current year).

    >>> load_country_dataset("no/such/folder")
    Traceback (most recent call last):
    ...
    mpanalysis.errors.InputLayoutError: no/such/folder: file or folder not found
    """
    from mpanalysis.ingest.readers import read_country_inputs, read_export

    params, inputs = _resolve_inputs(iso3_or_folder, params)
    message_lang = lang or (params.languages[0] if params else "en")
    raws = [read_export(inputs, lang=message_lang)] if inputs.is_file() else \
        read_country_inputs(inputs, lang=message_lang)
    if params is None:
        params = _infer_params(raws, inputs, message_lang)
    # the latest file comes last: it wins ties between duplicates, as it replaces corrected copies
    raws = sorted(raws, key=_file_age)
    raws, corrected = replace_corrected_submissions(raws, message_lang)
    exports = _check_exports(raws, params.country, message_lang, max_year)
    return _build_dataset(exports, params, inputs, message_lang, corrected)


@dataclass(frozen=True)
class CorrectedRows:
    """Rows of earlier files replaced by the same submissions in a later file (a corrected copy)."""

    issues: tuple = ()
    counts: dict[str, int] = field(default_factory=dict)
    files: tuple[Path, ...] = ()


def _file_age(raw: "RawExport") -> tuple[float, str]:
    try:
        modified = raw.path.stat().st_mtime
    except OSError:
        modified = 0.0
    return modified, raw.path.name


def replace_corrected_submissions(raws: list["RawExport"], lang: str = "en") -> tuple[list["RawExport"], CorrectedRows]:
    """Drop from earlier files the submissions a later file repeats (same submission id).

    The latest file (modification time, then name) wins: a corrected copy saved beside the
    original, or a new export of the same form, replaces the earlier rows and their repeat rows.
    Returns the exports as they are read on and the replaced rows (issues ``corrected``, counts).
    """
    from dataclasses import replace as replace_fields

    from mpanalysis.ingest import form
    from mpanalysis.ingest.issues import CORRECTED, TABLE_NAMES, WARNING, Issue, format_message

    order = sorted(range(len(raws)), key=lambda i: _file_age(raws[i]), reverse=True)
    newest: dict[str, tuple[str, int]] = {}  # submission id -> (file, row) of its latest copy
    result = list(raws)
    issues: list = []
    counts = {name: 0 for name in TABLE_NAMES.values()}
    for index in order:
        raw = raws[index]
        ids = [_submission_key(root, uuid) for root, uuid in zip(raw.main["_root_uuid"], raw.main["_uuid"])]
        replaced = [i is not None and i in newest for i in ids]
        if any(replaced):
            is_replaced = pd.Series(replaced, index=raw.main.index)
            keys = set(raw.main.loc[is_replaced, "_key"].astype("str"))
            tables = {form.MAIN: raw.main[~is_replaced].copy()}
            for row, key in zip(raw.main[is_replaced].to_dict("records"), [i for i, r in zip(ids, replaced) if r]):
                file, number = newest[key]
                issues.append(Issue(WARNING, TABLE_NAMES[form.MAIN], str(row["_file"]), row["_sheet"],
                                    int(row["_row"]), raw.get_header(form.MAIN, "_uuid"), row["_uuid"],
                                    format_message("issues.corrected", lang, file=file, row=number), CORRECTED))
            counts[TABLE_NAMES[form.MAIN]] += int(is_replaced.sum())
            for table in form.REPEATS:
                frame = raw.get_table(table)
                goes = frame["_parent_key"].astype("str").isin(keys)
                for row in frame[goes].to_dict("records"):
                    issues.append(Issue(WARNING, TABLE_NAMES[table], str(row["_file"]), row["_sheet"],
                                        int(row["_row"]), raw.get_header(table, "_parent_key"), row["_parent_key"],
                                        format_message("issues.corrected_repeat", lang, file=_newest_file(raw, row,
                                                                                                      newest)),
                                        CORRECTED))
                counts[TABLE_NAMES[table]] += int(goes.sum())
                tables[table] = frame[~goes].copy()
            # issues the reader found in rows that are gone go with them
            kept_issues = tuple(i for i in raw.issues if i.row is None or not _is_replaced_row(i, raw, tables))
            result[index] = replace_fields(raw, main=tables[form.MAIN], sources=tables[form.SOURCES],
                                           flows=tables[form.FLOWS], issues=kept_issues)
        for i, number, file in zip(ids, raw.main["_row"], raw.main["_file"]):
            if i is not None and i not in newest:
                newest[i] = (str(file), int(number))
    files = tuple(raws[i].path for i in order if len(result[i].main) < len(raws[i].main))
    return result, CorrectedRows(tuple(issues), counts, files)


def _submission_key(root_uuid: object, uuid: object) -> str | None:
    """A submission's lasting id: the server's root uuid (kept through edits), else its uuid."""
    for value in (root_uuid, uuid):
        if isinstance(value, str) and value.strip():
            return value.strip().removeprefix("uuid:")
    return None


def _newest_file(raw: "RawExport", row: dict, newest: dict[str, tuple[str, int]]) -> str:
    """The file that replaced a repeat row's submission."""
    main = raw.main
    parent = main[main["_key"].astype("str") == str(row["_parent_key"])]
    key = _submission_key(parent["_root_uuid"].iloc[0], parent["_uuid"].iloc[0]) if len(parent) else None
    return newest[key][0] if key in newest else "?"


def _is_replaced_row(issue, raw: "RawExport", tables: dict[str, pd.DataFrame]) -> bool:
    from mpanalysis.ingest.issues import TABLE_NAMES

    table = next((t for t, n in TABLE_NAMES.items() if n == issue.table), None)
    if table is None:
        return False
    return issue.row not in set(tables[table]["_row"].astype(int))


def _resolve_inputs(target: str | Path, params: "CountryParams | None") -> tuple["CountryParams | None", Path]:
    from mpanalysis.params import load_params
    from mpanalysis.paths import find_project_root, params_path

    text = str(target)
    path = Path(target)
    is_code = re.fullmatch(r"[A-Za-z]{3}", text) is not None and not path.exists()
    if is_code:
        params = params or load_params(text.upper())
        if params.country != text.upper():
            from mpanalysis.errors import ParamsError
            from mpanalysis.ingest.issues import format_message

            raise ParamsError(format_message("layout.params_other_country", "en", params_country=params.country,
                                             country=text.upper()))
        return params, get_input_folder(params)
    if params is None:
        stem = (path if path.is_dir() else path.parent).name.upper()
        if re.fullmatch(r"[A-Z]{3}", stem) and params_path(stem).is_file():
            params = load_params(stem)
    if not path.is_absolute() and not path.exists() and (find_project_root() / path).exists():
        path = find_project_root() / path  # a path relative to the project, from a notebook's folder
    return params, path


def get_input_folder(params: "CountryParams") -> Path:
    """Return the folder of a country's questionnaire exports (``params.inputs`` or data/raw/<ISO3>)."""
    from mpanalysis.paths import find_project_root, raw_dir

    if params.inputs:
        folder = Path(params.inputs)
        return folder if folder.is_absolute() else find_project_root() / folder
    return raw_dir(params.country)


def _infer_params(raws: list["RawExport"], inputs: Path, lang: str) -> "CountryParams":
    """Parameters for a folder without a parameters file: the country from its name or its answers."""
    from mpanalysis.errors import InputLayoutError
    from mpanalysis.ingest.issues import format_message
    from mpanalysis.ingest.values import normalize_country
    from mpanalysis.params import CountryParams

    folder = inputs if inputs.is_dir() else inputs.parent
    country = normalize_country(folder.name) if re.fullmatch(r"[A-Za-z]{3}", folder.name) else None
    if country is None:
        codes = pd.Series([normalize_country(v) for raw in raws for v in raw.main["country"]], dtype="object")
        codes = codes.dropna()
        if codes.empty:
            raise InputLayoutError(format_message("layout.no_country", lang), file=inputs)
        country = sorted(codes.value_counts().items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return CountryParams(country=country)


def _check_exports(raws: list["RawExport"], country: str, lang: str, max_year: int | None) -> list[_Export]:
    from mpanalysis.ingest import form
    from mpanalysis.ingest.validation import check_main_rows, check_repeat_rows, get_parent_status

    exports = []
    for raw in raws:
        main = check_main_rows(raw, country=country, lang=lang, max_year=max_year)
        status = get_parent_status(main)
        sources = check_repeat_rows(raw, form.SOURCES, parent_status=status, lang=lang, max_year=max_year)
        flows = check_repeat_rows(raw, form.FLOWS, parent_status=status, lang=lang, max_year=max_year)
        exports.append(_Export(raw, main, sources, flows))
    return exports


def _make_submissions(exports: list[_Export]) -> pd.DataFrame:
    """One row per accepted submission (before duplicates are resolved), with a unique id."""
    from mpanalysis.ingest.values import parse_submission_time

    frames = []
    used: set[str] = set()
    for order, export in enumerate(exports):
        frame = export.main.accepted.copy()
        ids = []
        for uuid, key in zip(frame["_uuid"], frame["_key"]):
            base = str(uuid).strip() if isinstance(uuid, str) and uuid.strip() else f"{export.raw.name}#{key}"
            candidate, n = base, 1
            while candidate in used:
                n += 1
                candidate = f"{base}#{n}"
            used.add(candidate)
            ids.append(candidate)
        frame["submission_id"] = pd.Series(ids, index=frame.index, dtype="object")
        frame["_export"] = pd.Series([order] * len(frame), index=frame.index, dtype="int64")
        frame["submitted_at"] = pd.Series([parse_submission_time(t) for t in frame["_submission_time"]],
                                          index=frame.index, dtype="object")
        frames.append(frame.astype({c: "object" for c in frame.columns if c not in ("_row", "_export")}))
    non_empty = [f for f in frames if not f.empty]
    return pd.concat(non_empty, ignore_index=True) if non_empty else frames[0].iloc[0:0]


def _find_superseded(submissions: pd.DataFrame, submission_entity: dict[str, str]) -> dict[str, str]:
    """Return ``{superseded submission_id: kept submission_id}``: the latest submission of an entity wins.

    Submissions without a readable time count as the oldest; ties go to the later file and row.
    """
    superseded: dict[str, str] = {}
    if submissions.empty:
        return superseded
    order = submissions.assign(
        _entity=[submission_entity[s] for s in submissions["submission_id"]],
        _has_time=[t is not None and t is not pd.NaT for t in submissions["submitted_at"]],
        _time=[t if t is not None and t is not pd.NaT else pd.Timestamp.min.tz_localize("UTC")
               for t in submissions["submitted_at"]],
    ).sort_values(["_entity", "_has_time", "_time", "_export", "_row"], kind="stable")
    for _, group in order.groupby("_entity", sort=False):
        ids = group["submission_id"].tolist()
        for earlier in ids[:-1]:
            superseded[earlier] = ids[-1]
    return superseded


def _mark_superseded(exports: list[_Export], submissions: pd.DataFrame, superseded: dict[str, str],
                     lang: str) -> list[_Export]:
    from mpanalysis.ingest import form
    from mpanalysis.ingest.issues import SUPERSEDED, WARNING, Issue, format_message
    from mpanalysis.ingest.validation import move_to_set_aside, set_aside_superseded

    if not superseded:
        return exports
    by_id = submissions.set_index("submission_id")
    updated = []
    for order, export in enumerate(exports):
        mine = submissions[(submissions["_export"] == order) & submissions["submission_id"].isin(superseded)]
        if mine.empty:
            updated.append(export)
            continue
        issues = []
        for row in mine.to_dict("records"):
            kept = by_id.loc[superseded[row["submission_id"]]]
            time = kept["submitted_at"]
            time_text = time.strftime("%Y-%m-%d %H:%M UTC") if time is not None and time is not pd.NaT \
                else format_message("issues.unknown_time", lang)
            issues.append(Issue(
                level=WARNING, table="respondents", file=str(row["_file"]),
                sheet=row["_sheet"] if isinstance(row["_sheet"], str) else None, row=int(row["_row"]),
                column=export.raw.get_header(form.MAIN, "institution_name"), value=row["institution_name"],
                message=format_message("issues.superseded", lang, file=kept["_file"], row=int(kept["_row"]),
                                       time=time_text),
                action=SUPERSEDED))
        keys = set(mine["_key"].astype("str"))
        main = move_to_set_aside(export.main, export.main.accepted["_key"].astype("str").isin(keys),
                                 issues, SUPERSEDED, id_column="_key")
        sources = set_aside_superseded(export.sources, keys, export.raw, lang)
        flows = set_aside_superseded(export.flows, keys, export.raw, lang)
        updated.append(_Export(export.raw, main, sources, flows))
    return updated


def _text(values) -> pd.Series:
    return pd.Series([v if isinstance(v, str) and v != "" else None for v in values], dtype="object")


def _typed(table: str, records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Build a canonical table with its exact columns and dtypes."""


    frame = pd.DataFrame(records, columns=TABLE_COLUMNS[table]) if not isinstance(records, pd.DataFrame) \
        else records.reindex(columns=TABLE_COLUMNS[table])
    frame = frame.reset_index(drop=True)
    for column in TABLE_COLUMNS[table]:
        dtype = get_dtype(table, column)
        values = frame[column].astype("object").where(frame[column].notna(), None)
        if dtype == UTC_TIME:
            frame[column] = pd.to_datetime(values, utc=True).astype(UTC_TIME)
        elif dtype == "str":
            frame[column] = values.astype("str")
        else:
            frame[column] = pd.array(values.tolist(), dtype=dtype)
    return frame


def _build_dataset(exports: list[_Export], params: "CountryParams", inputs: Path, lang: str,
                   corrected: CorrectedRows | None = None) -> CountryDataset:
    from mpanalysis.ingest import form
    from mpanalysis.ingest.issues import make_issues_table
    from mpanalysis.decisions import load_decisions
    from mpanalysis.ingest.reconcile import reconcile_institutions
    from mpanalysis.ingest.reconcile.decided import apply_name_decisions
    from mpanalysis.ingest.validation import make_counts_table
    from mpanalysis.provenance import hash_file
    from mpanalysis.reference import load_reference

    submissions = _make_submissions(exports)
    accepted_flows = [f for e in exports for f in e.flows.accepted["flow_partner"].tolist()]
    named_in_params = [n for n in [params.coordinator, *params.working_group] if n and n.strip()]
    # Invited institutions are reconciled like the other names so the response rate can find them
    # in ``reconciliation["matches"]``; one that never answered and nobody names is no entity.
    invited = [i.name for i in params.invited_institutions]
    institutions = pd.DataFrame({
        "submission_id": submissions["submission_id"].astype("str"),
        "institution_name": submissions["institution_name"].astype("str"),
        "institution_acronym": _text(submissions["institution_acronym"]).astype("str"),
        # an unknown type (answer set aside) stays unknown: never the text "None"
        "institution_type": _text(submissions["institution_type"]).tolist(),
    })
    reconciliation = reconcile_institutions(
        institutions, [*accepted_flows, *named_in_params, *invited], country=params.country,
        aliases=dict(params.aliases), threshold=params.match_threshold)
    # the workshop's official names and merges (params/<ISO3>.workshop.yaml): one institution everywhere
    reconciliation, names_not_applied = apply_name_decisions(reconciliation, load_decisions(params.country).names)
    submission_entity = dict(reconciliation.submission_entity)
    superseded = _find_superseded(submissions, submission_entity)
    exports = _mark_superseded(exports, submissions, superseded, lang)
    kept = submissions[~submissions["submission_id"].isin(superseded)].reset_index(drop=True)
    kept["entity_id"] = [submission_entity[s] for s in kept["submission_id"]]
    key_to_submission = {(int(o), str(k)): s for o, k, s in zip(kept["_export"], kept["_key"], kept["submission_id"])}
    entity_of = dict(zip(kept["submission_id"], kept["entity_id"]))

    respondents = _typed("respondents", kept.assign(
        source_file=kept["_file"], source_sheet=kept["_sheet"], source_row=kept["_row"]))

    sources_records, flows_records = [], []
    counters: dict[tuple[str, str], int] = {}
    for order, export in enumerate(exports):
        for row in export.sources.accepted.to_dict("records"):
            submission_id = key_to_submission[(order, str(row["_parent_key"]))]
            entity_id = entity_of[submission_id]
            n = counters[(entity_id, "S")] = counters.get((entity_id, "S"), 0) + 1
            sources_records.append({
                "source_id": f"{entity_id}-S{n}", "entity_id": entity_id, "submission_id": submission_id,
                "source_name": row["source_name"], "domain": row["source_domain"], "kind": row["source_kind"],
                "status": row["source_status"], "periodicity": row["source_periodicity"],
                "last_update": row["source_last_update"], "format": row["source_format"],
                "access": row["source_access"], "source_file": row["_file"], "source_sheet": row["_sheet"],
                "source_row": row["_row"]})
        for row in export.flows.accepted.to_dict("records"):
            submission_id = key_to_submission[(order, str(row["_parent_key"]))]
            entity_id = entity_of[submission_id]
            n = counters[(entity_id, "F")] = counters.get((entity_id, "F"), 0) + 1
            flows_records.append({
                "flow_id": f"{entity_id}-F{n}", "entity_id": entity_id, "submission_id": submission_id,
                "partner_name": row["flow_partner"],
                "partner_entity_id": reconciliation.partner_entity.get(row["flow_partner"]),
                "direction": row["flow_direction"], "domains": row["flow_domains"],
                "frequency": row["flow_frequency"], "channel": row["flow_channel"], "stages": row["flow_stages"],
                "source_file": row["_file"], "source_sheet": row["_sheet"], "source_row": row["_row"]})
    sources = _typed("sources", sources_records)
    flows = _typed("flows", flows_records)

    stages, needs, challenges, mp_use = [], [], [], []
    challenge_fields = load_reference("challenges")[["code", "field"]].itertuples(index=False)
    challenge_fields = list(challenge_fields)
    for row in kept.to_dict("records"):
        entity_id = row["entity_id"]
        stages += [{"entity_id": entity_id, "stage": s} for s in form.split_multi(row["policy_stages"])]
        needs += [{"entity_id": entity_id, "need": s} for s in form.split_multi(row["needs"])]
        for code, field_name in challenge_fields:
            if row.get(field_name) is not None and row.get(field_name) == row.get(field_name):
                challenges.append({"entity_id": entity_id, "challenge": code, "severity": row[field_name],
                                   "comment": None})
        if isinstance(row.get("challenge_other"), str) and row["challenge_other"].strip():
            challenges.append({"entity_id": entity_id, "challenge": "other", "severity": None,
                               "comment": row["challenge_other"]})
        mp_use.append({"entity_id": entity_id, "mp_aware": row["mp_aware"], "mp_used": row["mp_used"],
                       "functions": row["mp_functions"], "use_example": row["mp_use_example"]})

    entities = _build_entities(reconciliation, kept, flows, params, named_in_params)
    corrected = corrected or CorrectedRows()
    issues = [i for e in exports for i in [*[x for x in e.raw.issues if x.row is None],
                                            *e.main.issues, *e.sources.issues, *e.flows.issues]]
    issues += [*corrected.issues, *_near_miss_issues(reconciliation.unresolved, flows, exports, params, lang)]
    table_order = {"respondents": 0, "sources": 1, "flows": 2}
    issues.sort(key=lambda i: (i.file, table_order[i.table], i.row if i.row is not None else 0))
    counts = make_counts_table([t for e in exports for t in (e.main, e.sources, e.flows)], corrected.counts)

    tables = {
        "respondents": respondents, "entities": entities, "sources": sources, "flows": flows,
        "stages": _typed("stages", stages), "challenges": _typed("challenges", challenges),
        "needs": _typed("needs", needs), "mp_use": _typed("mp_use", mp_use),
        "issues": _typed("issues", make_issues_table(issues)), "counts": _typed("counts", counts),
    }
    validate_tables(tables)
    base = inputs if inputs.is_dir() else inputs.parent
    hashes = {}
    for path in sorted({p for e in exports for p in e.raw.files} | set(corrected.files)):
        try:
            name = str(Path(path).resolve().relative_to(base.resolve()))
        except ValueError:
            name = Path(path).name
        hashes[name] = hash_file(path)
    return CountryDataset(
        country=params.country, **tables,
        reconciliation={"matches": reconciliation.matches.copy(),
                        # a name only on the invitation list is not a partner named in the answers
                        "unresolved": reconciliation.unresolved[~reconciliation.unresolved["name"].isin(
                            set(invited) - {*accepted_flows, *named_in_params})].reset_index(drop=True),
                        # the workshop's names and merges of entities these answers no longer have
                        "names_not_applied": pd.DataFrame({"entity_id": pd.Series(names_not_applied, dtype=object)})},
        input_hashes=hashes)


def format_alias_line(name: str, target: str) -> str:
    """Return the line to put under ``aliases:`` in the parameters to merge ``name`` into ``target``.

    >>> print(format_alias_line("Direction de la PAF", "Direction de la police de l'air et des frontières"))
    "Direction de la PAF": "Direction de la police de l'air et des frontières"
    """
    import json

    # JSON strings are YAML double-quoted scalars: any name pastes safely
    return f"{json.dumps(name, ensure_ascii=False)}: {json.dumps(target, ensure_ascii=False)}"


def _near_miss_issues(unresolved: pd.DataFrame, flows: pd.DataFrame, exports: list[_Export],
                      params: "CountryParams", lang: str) -> list:
    """A warning per partner name kept apart although a responding institution is close."""
    from mpanalysis.ingest import form
    from mpanalysis.ingest.issues import KEPT, WARNING, Issue, format_message

    issues = []
    if unresolved.empty or flows.empty:
        return issues
    first = flows.drop_duplicates("partner_name").set_index("partner_name")
    headers = {e.raw.name: e.raw.get_header(form.FLOWS, "flow_partner") for e in exports}
    for row in unresolved[unresolved["is_near_miss"]].to_dict("records"):
        if row["name"] not in first.index:
            continue
        where = first.loc[row["name"]]
        values = {"name": row["name"], "candidate": row["best_candidate"],
                  "alias": format_alias_line(row["name"], row["best_candidate"]),
                  "params": f"params/{params.country}.yaml"}
        if isinstance(row.get("acronym_expansion"), str):
            message = format_message("issues.near_miss_acronym", lang, expansion=row["acronym_expansion"], **values)
        else:
            message = format_message("issues.near_miss", lang, score=f"{row['best_score']:.1f}",
                                     threshold=f"{params.match_threshold:g}", **values)
        file = str(where["source_file"])
        sheet = where["source_sheet"] if isinstance(where["source_sheet"], str) else None
        issues.append(Issue(WARNING, "flows", file, sheet, int(where["source_row"]),
                            headers.get(file, "flow_partner"), row["name"], message, KEPT))
    return issues


def _build_entities(reconciliation, kept: pd.DataFrame, flows: pd.DataFrame, params: "CountryParams",
                    named_in_params: list[str]) -> pd.DataFrame:
    """Entities from the reconciliation, with roles from answers and parameters and final mention counts."""
    entities = reconciliation.entities.copy()
    coordinators = set(kept.loc[kept["wg_coordinator"].map(lambda v: v is True), "entity_id"])
    members = set(kept.loc[kept["wg_member"].map(lambda v: v is True), "entity_id"])
    if params.coordinator and params.coordinator.strip():
        coordinators.add(reconciliation.partner_entity.get(params.coordinator.strip(),
                                                          reconciliation.partner_entity.get(params.coordinator)))
    for name in params.working_group:
        members.add(reconciliation.partner_entity.get(name.strip(), reconciliation.partner_entity.get(name)))
    members |= coordinators
    pinned = {reconciliation.partner_entity.get(n.strip(), reconciliation.partner_entity.get(n))
              for n in named_in_params}
    mentions = flows["partner_entity_id"].value_counts().to_dict() if len(flows) else {}
    entities["n_mentions"] = [int(mentions.get(e, 0)) for e in entities["entity_id"]]
    is_respondent = entities["entity_id"].isin(set(kept["entity_id"]))
    # Entities named only by superseded or set-aside rows would be isolated ghosts in the network.
    is_kept = is_respondent | (entities["n_mentions"] > 0) | entities["entity_id"].isin(pinned)
    entities = entities[is_kept].copy()
    entities["is_respondent"] = entities["entity_id"].isin(set(kept["entity_id"]))
    entities["is_coordinator"] = entities["entity_id"].isin(coordinators)
    entities["is_wg_member"] = entities["entity_id"].isin(members)
    return _typed("entities", entities.sort_values("entity_id", kind="stable"))
