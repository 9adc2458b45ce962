"""On-disk cache of a country's validated dataset, keyed by what it was made from.

The four chapter notebooks of a country (in two languages) all need the same validated dataset;
reading and reconciling the exports once and reusing it keeps a country's build close to the
floor of starting its kernels. The key is the fingerprint of the input files, the parameters,
the workshop's names and merges (``params/<ISO3>.workshop.yaml``) and the package's own source, so
any change rebuilds it.
"""

from __future__ import annotations

import pickle
from pathlib import Path

from mpanalysis.decisions import hash_name_decisions, load_decisions
from mpanalysis.fileio import write_bytes_atomic
from mpanalysis.ingest.dataset import CountryDataset, get_input_folder, load_country_dataset
from mpanalysis.params import CountryParams
from mpanalysis.paths import outputs_dir
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
    """Return the fingerprint of everything a country's dataset is made from."""
    folder = get_input_folder(params)
    inputs = {p.name: hash_file(p) for p in list_input_files(folder)}
    return hash_object({"inputs": inputs, "params": params.model_dump(mode="json"),
                        "names": hash_name_decisions(load_decisions(params.country)),
                        "code": hash_package_source()})


def load_country_dataset_cached(params: CountryParams, lang: str | None = None,
                                cache_dir: Path | None = None) -> CountryDataset:
    """Return the country's dataset, from the cache when its inputs are unchanged.

    ``lang`` is the language of the validation messages (default: the country's first language).

    A cache file that cannot be read (truncated, other pandas version) is ignored and rebuilt.
    """
    folder = cache_dir or outputs_dir(params.country) / ".cache"
    lang = lang or params.languages[0]
    path = folder / f"dataset-{lang}-{fingerprint_dataset_inputs(params)[:20]}.pkl"
    if path.is_file():
        try:
            with open(path, "rb") as handle:
                cached = pickle.load(handle)
            if isinstance(cached, CountryDataset):
                return cached
        except Exception:  # a damaged cache is not the user's problem: rebuild it
            pass
    dataset = load_country_dataset(params.country, params, lang=lang)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"dataset-{lang}-*.pkl"):
        old.unlink(missing_ok=True)
    write_bytes_atomic(path, pickle.dumps(dataset, protocol=pickle.HIGHEST_PROTOCOL))
    return dataset
