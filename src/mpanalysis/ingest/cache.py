"""On-disk cache of a country's validated dataset, keyed by what it was made from.

The four chapter notebooks of a country (in two languages) all need the same validated dataset;
reading and reconciling the exports once and reusing it keeps a country's build close to the
floor of starting its kernels. The key is the fingerprint of the input files, the parameters,
the workshop's names and merges (``params/<ISO3>.workshop.yaml``), the reference data the reading
uses (lists, labels, validation messages, questionnaire wording) and the package's own source, so
any change rebuilds it.

The cache is JSON (tables as columns of plain values, typed again from the canonical schemas on
reading), never pickle: a file planted in ``outputs/`` can at worst be refused, never run code.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from mpanalysis.decisions import hash_name_decisions, load_decisions
from mpanalysis.fileio import write_text_atomic
from mpanalysis.ingest.dataset import CountryDataset, _typed, get_input_folder, load_country_dataset
from mpanalysis.ingest.schemas import TABLE_COLUMNS, validate_tables
from mpanalysis.params import CountryParams
from mpanalysis.paths import data_dir, outputs_dir, reference_dir
from mpanalysis.provenance import hash_file, hash_object, hash_package_source


def list_input_files(folder: Path) -> list[Path]:
    """Return the files of an input folder that a reader may read (not lock files, not READMEs)."""
    if folder.is_file():
        return [folder]
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))
                  and not p.name.lower().startswith("readme"))


def fingerprint_dataset_inputs(params: CountryParams) -> str:
    """Return the fingerprint of everything a country's dataset is made from: a translation added
    to the messages or the reference lists rebuilds it too."""
    folder = get_input_folder(params)
    inputs = {p.name: hash_file(p) for p in list_input_files(folder)}
    reference = {p.name: hash_file(p) for p in [*sorted(reference_dir().glob("*.*")),
                                                data_dir() / "questionnaire" / "questions.yaml"] if p.is_file()}
    return hash_object({"inputs": inputs, "params": params.model_dump(mode="json"), "reference": reference,
                        "names": hash_name_decisions(load_decisions(params.country)),
                        "code": hash_package_source()})


_CACHE_FORMAT = 1


def _frame_to_json(frame: pd.DataFrame) -> dict:
    values = {}
    for column in frame.columns:
        series = frame[column]
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.map(lambda v: None if pd.isna(v) else v.isoformat())
        values[str(column)] = [None if v is None or v is pd.NA or (isinstance(v, float) and v != v) else
                               (v.item() if hasattr(v, "item") else v) for v in series.astype("object")]
    return {"dtypes": {str(c): str(t) for c, t in frame.dtypes.items()}, "values": values}


def _frame_from_json(data: dict) -> pd.DataFrame:
    frame = pd.DataFrame(data["values"], columns=list(data["dtypes"]))
    for column, dtype in data["dtypes"].items():
        if dtype.startswith("datetime64"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        elif dtype in ("object", "str"):
            frame[column] = frame[column].astype("object")
        else:
            frame[column] = frame[column].astype(dtype)
    return frame


def dump_dataset(dataset: CountryDataset) -> str:
    """Return a dataset as JSON text (see :func:`load_dataset`)."""
    payload = {"format": _CACHE_FORMAT, "country": dataset.country, "input_hashes": dataset.input_hashes,
               "tables": {name: _frame_to_json(dataset.get_table(name)) for name in TABLE_COLUMNS},
               "reconciliation": {k: _frame_to_json(v) for k, v in dataset.reconciliation.items()}}
    return json.dumps(payload, ensure_ascii=False)


def load_dataset(text: str) -> CountryDataset:
    """Return the dataset of :func:`dump_dataset`'s JSON, typed and checked by the canonical schemas.

    >>> from mpanalysis.ingest.dataset import load_country_dataset
    >>> import pathlib
    >>> folder = pathlib.Path("tests/fixtures/exports/kobo_plain")
    >>> dataset = load_country_dataset(folder, max_year=2025) if folder.is_dir() else None
    >>> dataset is None or load_dataset(dump_dataset(dataset)).flows.equals(dataset.flows)
    True
    """
    payload = json.loads(text)
    if payload.get("format") != _CACHE_FORMAT:
        raise ValueError("another cache format")
    tables = {name: _typed(name, _frame_from_json(payload["tables"][name])) for name in TABLE_COLUMNS}
    validate_tables(tables)
    reconciliation = {k: _frame_from_json(v) for k, v in payload["reconciliation"].items()}
    fields = {f.name for f in dataclasses.fields(CountryDataset)}
    return CountryDataset(country=payload["country"], **{k: v for k, v in tables.items() if k in fields},
                          reconciliation=reconciliation, input_hashes=dict(payload["input_hashes"]))


def load_country_dataset_cached(params: CountryParams, lang: str | None = None,
                                cache_dir: Path | None = None) -> CountryDataset:
    """Return the country's dataset, from the cache when its inputs are unchanged.

    ``lang`` is the language of the validation messages (default: the country's first language).

    A cache file that cannot be read (truncated, another format, tables that fail the schemas) is
    ignored and rebuilt.
    """
    folder = cache_dir or outputs_dir(params.country) / ".cache"
    lang = lang or params.languages[0]
    path = folder / f"dataset-{lang}-{fingerprint_dataset_inputs(params)[:20]}.json"
    if path.is_file():
        stat = path.stat()
        # a kernel runs a country's eight notebooks one after the other, each loading the dataset:
        # the cache file is parsed and checked by the schemas once, then each gets its own copy
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _LOADED:
            return copy_dataset(_LOADED[key])
        try:
            dataset = load_dataset(path.read_text(encoding="utf-8"))
        except Exception:  # a damaged cache is not the user's problem: rebuild it
            pass
        else:
            _remember(key, dataset)
            return copy_dataset(dataset)
    dataset = load_country_dataset(params.country, params, lang=lang)
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob(f"dataset-{lang}-*.json"), *folder.glob("dataset-*.pkl")]:
        old.unlink(missing_ok=True)
    write_text_atomic(path, dump_dataset(dataset))
    stat = path.stat()
    _remember((str(path.resolve()), stat.st_mtime_ns, stat.st_size), dataset)
    return copy_dataset(dataset)


#: datasets this process has read from the cache, by file, modification time and size (a few
#: countries: a worker builds its countries one after the other)
_LOADED: dict[tuple[str, int, int], CountryDataset] = {}
_LOADED_MAX = 4


def _remember(key: tuple[str, int, int], dataset: CountryDataset) -> None:
    while len(_LOADED) >= _LOADED_MAX:
        del _LOADED[next(iter(_LOADED))]
    _LOADED[key] = dataset


def copy_dataset(dataset: CountryDataset) -> CountryDataset:
    """Return a copy of a dataset whose tables can be changed without touching the original.

    >>> import pandas as pd
    >>> from mpanalysis.ingest.schemas import TABLE_COLUMNS
    >>> original = CountryDataset("SEN", **{n: pd.DataFrame({"a": [1]}) for n in TABLE_COLUMNS})
    >>> copied = copy_dataset(original)
    >>> copied.flows.loc[0, "a"] = 2
    >>> int(original.flows.loc[0, "a"])
    1
    """
    tables = {f.name: getattr(dataset, f.name).copy() for f in dataclasses.fields(dataset)
              if isinstance(getattr(dataset, f.name), pd.DataFrame)}
    return dataclasses.replace(dataset, **tables,
                               reconciliation={k: v.copy() for k, v in dataset.reconciliation.items()},
                               input_hashes=dict(dataset.input_hashes))
