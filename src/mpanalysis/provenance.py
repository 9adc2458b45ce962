"""Provenance by hashing: what produced an output, and whether it must be produced again.

Every output records the SHA-256 of its inputs, the hash of its parameters and the package
version (as owid's ``source_checksum``); a rerun compares fingerprints and skips what is current.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel

from mpanalysis._version import __version__


def hash_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Return the SHA-256 hex digest of a file's bytes.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x"; _ = p.write_bytes(b"abc")
    >>> hash_file(p)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def hash_object(value: object) -> str:
    """Return the SHA-256 of a JSON-serialisable value (or pydantic model), key order ignored.

    >>> hash_object({"b": 1, "a": 2}) == hash_object({"a": 2, "b": 1})
    True
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_files(paths: Iterable[str | Path], root: str | Path | None = None) -> dict[str, str]:
    """Return ``{relative path: sha256}`` for files (relative to ``root`` when given), sorted."""
    result = {}
    for path in sorted(Path(p) for p in paths):
        key = str(path.relative_to(root)) if root else path.name
        result[key] = hash_file(path)
    return result


@lru_cache(maxsize=1)
def hash_package_source() -> str:
    """Return one hash of the package's source: its Python code and the templates and style
    sheets the guides are rendered with (a change to any of them invalidates caches and builds)."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent  # this module sits at the package root
    files = [p for pattern in ("*.py", "*.j2", "*.css", "*.js") for p in package.rglob(pattern)]
    for path in sorted(files):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build_provenance(input_hashes: dict[str, str], params: BaseModel | dict | None = None,
                     extra: dict | None = None) -> dict:
    """Return the provenance record stored beside every output.

    >>> record = build_provenance({"a.xlsx": "00"}, {"country": "SEN"})
    >>> sorted(record)
    ['fingerprint', 'inputs', 'package_version', 'params_hash']
    """
    record = {
        "inputs": dict(sorted(input_hashes.items())),
        "params_hash": hash_object(params) if params is not None else None,
        "package_version": __version__,
    }
    if extra:
        record.update(extra)
    record["fingerprint"] = hash_object(record)
    return record
