"""A traffic curve written as a ``timestamp,requests_per_second`` CSV file that
:func:`~infra_toolkit.traffic_csv.read_traffic_csv` reads back to the same curve
(``traffic_csv_text``), atomically and checked by reading it back (``write_traffic_csv``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from infra_toolkit.atomic import replace_file
from infra_toolkit.errors import TrafficError
from infra_toolkit.traffic import TrafficCurve
from infra_toolkit.traffic_csv import MS_STEPS_S, read_traffic_csv
from infra_toolkit.traffic_csv_rows import RATE_COLUMN, TIME_COLUMN

__all__ = ["traffic_csv_text", "write_traffic_csv"]


def traffic_csv_text(curve: TrafficCurve) -> str:
    """``curve`` as the text of a ``timestamp,requests_per_second`` file that
    :func:`read_traffic_csv` reads back to the same curve: ISO-8601 timestamps when the curve's
    start is known (``Z`` for UTC, no zone for a naive start), else seconds from start; each
    rate in Python's shortest round-tripping form, so nothing is rounded."""
    lines = [f"{TIME_COLUMN},{RATE_COLUMN}"]
    if curve.start is None:
        stamps = [f"{t:g}" if float(t).is_integer() else repr(float(t)) for t in curve.times_s]
    else:
        moments = curve.start + pd.to_timedelta(curve.times_s, unit="s")
        aware = curve.start.tzinfo is not None
        stamps = [(m.tz_convert("UTC").tz_localize(None) if aware else m).isoformat()
                  + ("Z" if aware else "") for m in moments]
    lines.extend(f"{t},{float(r)!r}" for t, r in zip(stamps, curve.rps))
    return "\n".join(lines) + "\n"


def write_traffic_csv(curve: TrafficCurve, path: str | Path) -> None:
    """Write ``curve`` to ``path`` as :func:`traffic_csv_text` does, atomically: the file is
    written beside the target, read back with :func:`read_traffic_csv` and compared with the
    curve (step and every rate), and only then renamed over ``path``; a failure leaves any file
    already there unchanged. A curve without a ``start`` whose step is 1000 x a common sampling
    step (1000 s, 60000 s, ...) is refused: its seconds from start would read back as
    milliseconds."""
    path = Path(path)
    if curve.start is None and curve.rps.size > 1 and curve.step_s / 1000 in MS_STEPS_S:
        raise TrafficError(f"{path}: a curve of {curve.step_s:g} s steps without a start would "
                           "be written as seconds from start, which read back as milliseconds; "
                           "give the curve a start (TrafficCurve(..., start=...)) so it is "
                           "written with ISO-8601 times")

    def same_curve(written: Path) -> None:
        back = read_traffic_csv(written, step_s=curve.step_s)  # one row: its length
        if back.step_s != curve.step_s or not np.array_equal(back.rps, curve.rps):
            raise TrafficError(  # pragma: no cover - a defect of traffic_csv_text, not of input
                f"{path}: the written file does not read back as the curve; nothing was replaced"
            )

    try:
        replace_file(path, traffic_csv_text(curve).encode("utf-8"), validate=same_curve)
    except OSError as exc:
        raise TrafficError(f"cannot write traffic file {path}: {exc.strerror or exc}; choose a "
                           "writable path (the folder must exist)") from None
