"""``generate_registry``: write a synthetic registry, chunk by chunk."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..model.registry import TABLES
from ._random import Random
from .profile import ProfileName, RegistryProfile, resolve_profile
from .tables import check_columns, make_chunk
from .writer import TableWriter

#: Patients generated at once, whatever ``chunk_size`` says: about 130 drug records per
#: patient make 20,000 patients ~2.7 million rows, a few hundred MB of working memory.
MAX_BLOCK = 20_000  # < 2^15: the drug-record sort packs the chunk's patient number in 15 bits
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class SynthResult:
    """What :func:`generate_registry` wrote.

    Attributes
    ----------
    out_dir : Path
        The folder written to.
    rows : dict
        Data rows per table (model tables, ``truth_lines``), appended invalid rows included.
    files : tuple of Path
        Every file written.
    n_invalid : int
        Rows listed in ``invalid_rows.csv`` (0 unless ``messy``).
    """

    out_dir: Path
    n_patients: int
    seed: int
    fmt: str
    messy: bool
    profile: str = ProfileName.DEFAULT.value
    rows: dict[str, int] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    n_invalid: int = 0


def generate_registry(
    out_dir: str | Path,
    n_patients: int,
    seed: int = 0,
    fmt: str = "csv",
    messy: bool = False,
    chunk_size: int = 100_000,
    progress: Callable[[int], None] | None = None,
    profile: str | ProfileName | RegistryProfile = ProfileName.DEFAULT,
) -> SynthResult:
    """Write a synthetic HER2-positive metastatic breast-cancer registry calibrated to STUDIES.md.

    Writes ``<out_dir>/<table>.<fmt>`` for every registry table (header = the model's column
    names) and ``truth_lines.<fmt>``, the lines of therapy that the raw ``drug_exposures``
    imply under the line rules (28-day regimen window, a new drug after the window or a gap
    over 180 days starts a line, dropped drugs and in-family substitutions do not). With
    ``messy=True`` values are written as real spreadsheets write them (brand names, day-first
    and Excel dates, partial dates, code spellings) and a known set of invalid rows is planted,
    listed in ``invalid_rows.csv`` (table, row, rule, column, note; the header is row 1) and
    counted in ``messy_manifest.json``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing).
    n_patients : int
        Number of patients.
    seed : int
        Same seed, same arguments: byte-identical files. The files do not depend on
        ``chunk_size``.
    fmt : {"csv", "parquet"}
        File format.
    messy : bool
        Add real-world mess and invalid rows.
    chunk_size : int
        Patients generated and written per step (at most 20,000 at a time, which bounds the
        memory to a few hundred MB whatever the registry size).
    progress : callable, optional
        Called with the number of patients done after each step.
    profile : str, ProfileName or RegistryProfile
        Which kind of registry (:mod:`linewise.synth.profile`): ``"default"`` (the combined
        registry), ``"study-a"``, ``"study-b"``, ``"study-c"`` (the registry each reference
        study came from), or a :class:`~linewise.synth.profile.RegistryProfile`.

    Returns
    -------
    SynthResult

    Examples
    --------
    >>> import tempfile
    >>> res = generate_registry(tempfile.mkdtemp(), 200, seed=1)
    >>> res.rows["patients"], res.rows["therapy_lines"] == res.rows["truth_lines"]
    (200, True)
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if n_patients < 1:
        raise ValueError("n_patients must be at least 1")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    prof = resolve_profile(profile)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rnd = Random(seed)
    names = [t.name for t in TABLES] + ["truth_lines"]
    writers = {name: TableWriter(out, name, fmt) for name in names}
    mess = None
    if messy:
        from .messy import MessyState

        mess = MessyState(rnd, out, n_patients, fmt)
    step = max(1, min(chunk_size, MAX_BLOCK))
    rows = dict.fromkeys(names, 0)  # rows handed to the writers so far (row numbers of messy mode)
    done = 0
    # Chunk i is written on a second thread while chunk i + 1 is generated: pyarrow's CSV and
    # Parquet writers release the GIL, so on two cores writing costs little wall time. At most
    # one chunk waits to be written, which keeps the memory bound.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="synth-writer") as pool:
        pending = None
        while done < n_patients:
            stop = min(n_patients, done + step)
            ch = make_chunk(rnd, done, stop, n_patients, prof)
            tables = dict(ch.tables)
            if mess is not None:
                tables = mess.apply(ch, rows)
            tables["truth_lines"] = ch.truth
            for name, table in tables.items():
                check_columns(name, table)
                rows[name] += table.num_rows
            if pending is not None:
                pending.result()
            pending = pool.submit(_write_all, writers, tables)
            done = stop
            if progress is not None:
                progress(done)
        if pending is not None:
            pending.result()
    files = []
    n_invalid = 0
    if mess is not None:
        for name, table in mess.appended(rows).items():
            writers[name].write(table)
    for name in names:
        files.append(writers[name].close())
    if mess is not None:
        n_invalid, extra = mess.finish(writers)
        files.extend(extra)
    counts = {name: writers[name].rows for name in names}
    return SynthResult(out, n_patients, seed, fmt, messy, prof.name, counts, tuple(files), n_invalid)


def _write_all(writers: dict[str, TableWriter], tables: dict) -> None:
    for name, table in tables.items():
        writers[name].write(table)

