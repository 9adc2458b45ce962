"""Where editions live: numbering, snapshots on disk, the index, archived guides and :func:`register_edition`."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from mpanalysis.fileio import open_atomic_path, write_text_atomic
from mpanalysis.paths import outputs_dir

if TYPE_CHECKING:  # pragma: no cover

    pass
from mpanalysis.publish.editions.changes import EditionChanges, compare_editions
from mpanalysis.publish.editions.snapshot import EditionError, EditionSnapshot

_FOLDER_PATTERN = re.compile(r"^[1-9][0-9]*$")


# --------------------------------------------------------------------------------------------
# Storing editions


@dataclass(frozen=True)
class EditionInfo:
    """One stored edition: its number, date, fingerprint, snapshot file and archived guides."""

    number: int
    date: dt.date
    fingerprint: str
    snapshot_path: Path
    guides: list[Path] = field(default_factory=list)


def find_editions_dir(country: str, *, base: Path | None = None) -> Path:
    """Return the editions folder of a country (``base`` = its outputs folder, for tests).

    >>> find_editions_dir("SEN", base=Path("/tmp/out/SEN")).as_posix()
    '/tmp/out/SEN/editions'
    """
    return Path(base if base is not None else outputs_dir(country.upper())) / "editions"


def _read_snapshot(path: Path) -> EditionSnapshot:
    try:
        return EditionSnapshot.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise EditionError(f"cannot read the edition snapshot ({exc.strerror})", file=path) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise EditionError(f"not a valid edition snapshot: {where}: {first['msg']} (delete this "
                           f"edition's folder to start its numbering again)", file=path) from None


def _list_numbers(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return sorted(int(p.name) for p in folder.iterdir()
                  if p.is_dir() and _FOLDER_PATTERN.match(p.name) and (p / "snapshot.json").is_file())


def _list_editions_in(folder: Path) -> list[EditionInfo]:
    infos = []
    for number in _list_numbers(folder):
        path = folder / str(number) / "snapshot.json"
        snapshot = _read_snapshot(path)
        guides_dir = folder / str(number) / "guides"
        guides = sorted(p for p in guides_dir.iterdir() if p.is_file()) if guides_dir.is_dir() else []
        infos.append(EditionInfo(number=number, date=snapshot.date, fingerprint=snapshot.fingerprint,
                                 snapshot_path=path, guides=guides))
    return infos


def _write_index(folder: Path, country: str) -> Path:
    """Rewrite ``index.json`` from the edition folders (they are the truth; the index a summary)."""
    entries = []
    for info in _list_editions_in(folder):
        snapshot = _read_snapshot(info.snapshot_path)
        entries.append({
            "number": info.number, "date": info.date.isoformat(), "fingerprint": snapshot.fingerprint,
            "created_at": snapshot.created_at, "package_version": snapshot.package_version,
            "n_institutions": len(snapshot.entities), "n_sources": len(snapshot.sources),
            "n_exchanges": len(snapshot.exchanges),
            "snapshot": info.snapshot_path.relative_to(folder).as_posix(),
            "guides": [p.relative_to(folder).as_posix() for p in info.guides],
        })
    payload = {"country": country, "updated_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "editions": entries}
    return write_text_atomic(folder / "index.json", json.dumps(payload, indent=1, ensure_ascii=False))


def save_edition(snapshot: EditionSnapshot, folder: str | Path) -> EditionSnapshot:
    """Store a snapshot as the next edition in ``folder`` (``outputs/<ISO3>/editions``).

    Returns the snapshot with its number. When the latest stored edition has the same
    fingerprint (same answers: a forced rebuild), no edition is created: the latest edition's
    snapshot is refreshed, keeping its number and date. Files are written atomically.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> snap = EditionSnapshot(country="SEN", date="2025-03-01", created_at="", fingerprint="a",
    ...                        package_version="0")
    >>> [save_edition(snap, folder).number, save_edition(snap, folder).number,
    ...  save_edition(snap.model_copy(update={"fingerprint": "b"}), folder).number]
    [1, 1, 2]
    """
    folder = Path(folder)
    numbers = _list_numbers(folder)
    latest = _read_snapshot(folder / str(numbers[-1]) / "snapshot.json") if numbers else None
    if latest is not None and latest.fingerprint == snapshot.fingerprint:
        numbered = snapshot.model_copy(update={"number": latest.number, "date": latest.date})
    else:
        numbered = snapshot.model_copy(update={"number": (numbers[-1] + 1) if numbers else 1})
    write_text_atomic(folder / str(numbered.number) / "snapshot.json", numbered.model_dump_json(indent=1))
    _write_index(folder, snapshot.country)
    return numbered


def list_editions(country: str, *, base: Path | None = None) -> list[EditionInfo]:
    """Return a country's stored editions, oldest first (empty before the first build)."""
    return _list_editions_in(find_editions_dir(country, base=base))


def load_edition(country: str, number: int, *, base: Path | None = None) -> EditionSnapshot | None:
    """Return edition ``number`` of a country, or None when there is no such edition."""
    path = find_editions_dir(country, base=base) / str(number) / "snapshot.json"
    return _read_snapshot(path) if path.is_file() else None


def load_latest_edition(country: str, *, base: Path | None = None) -> EditionSnapshot | None:
    """Return a country's latest edition, or None before the first one."""
    numbers = _list_numbers(find_editions_dir(country, base=base))
    return load_edition(country, numbers[-1], base=base) if numbers else None


def archive_edition_outputs(country: str, number: int, files: list[str | Path], *,
                            base: Path | None = None) -> list[Path]:
    """Copy edition ``number``'s guides into ``editions/<number>/guides/`` and return the copies.

    Call it before a new edition overwrites the guides, so the previous edition stays available.
    Relative paths are relative to the country's outputs folder; missing files are skipped
    (a user may have deleted one). Each copy is written atomically.
    """
    base = Path(base if base is not None else outputs_dir(country.upper()))
    folder = find_editions_dir(country, base=base)
    target = folder / str(number) / "guides"
    copied = []
    for file in files:
        source = Path(file) if Path(file).is_absolute() else base / file
        if not source.is_file():
            continue
        with open_atomic_path(target / source.name) as tmp:
            shutil.copyfile(source, tmp)
        copied.append(target / source.name)
    if (folder / str(number) / "snapshot.json").is_file():
        _write_index(folder, country.upper())
    return copied


@dataclass(frozen=True)
class EditionUpdate:
    """The outcome of :func:`register_edition`: the current (numbered) and previous editions."""

    current: EditionSnapshot
    previous: EditionSnapshot | None
    is_new: bool
    archived: list[Path] = field(default_factory=list)

    @property
    def changes(self) -> "EditionChanges | None":
        """What changed since the previous edition (None for the first edition)."""
        return compare_editions(self.previous, self.current) if self.previous is not None else None


def load_latest_update(country: str, *, base: Path | None = None) -> EditionUpdate | None:
    """Return the country's latest edition and the one before it, as the last build registered
    them (None before the first build): what a guide assembled again, without a new build, says
    in chapter V."""
    latest = load_latest_edition(country, base=base)
    if latest is None:
        return None
    previous = load_edition(country, latest.number - 1, base=base) if latest.number > 1 else None
    return EditionUpdate(current=latest, previous=previous, is_new=False)


def register_edition(snapshot: EditionSnapshot, *, last_build: dict | None = None,
                     base: Path | None = None) -> EditionUpdate:
    """Number the current build's snapshot, archiving the previous edition's guides when it starts
    a new edition; return the current and previous editions.

    ``last_build`` is the country's last successful build record (``build.json``); its
    ``guides/…`` outputs are archived under the latest edition's number when its ``edition`` is
    that number (a build of that edition completed, so those files are that edition's guides).
    Call it before any guide is written.
    """
    country = snapshot.country
    base = Path(base if base is not None else outputs_dir(country.upper()))
    folder = find_editions_dir(country, base=base)
    latest = load_latest_edition(country, base=base)
    if latest is not None and latest.fingerprint == snapshot.fingerprint:
        current = save_edition(snapshot, folder)
        previous = load_edition(country, current.number - 1, base=base) if current.number > 1 else None
        return EditionUpdate(current=current, previous=previous, is_new=False)
    archived: list[Path] = []
    if latest is not None and last_build and last_build.get("edition") == latest.number:
        guides = [rel for rel in last_build.get("outputs", []) if str(rel).startswith("guides/")]
        archived = archive_edition_outputs(country, latest.number, guides, base=base)
    current = save_edition(snapshot, folder)
    return EditionUpdate(current=current, previous=latest, is_new=True, archived=archived)
