"""Per-tick buffers of the simulation loops (internal): one machine number a tick.

The loops read and write one tick at a time in plain Python, where a list is the fastest
container, but a list holds a Python object a tick (a float is 24 bytes plus the list's 8-byte
pointer): a month at a 5 s tick is 466,560 ticks, and the loop keeps several such series per
workload (audit15 A15-7: 20 workloads over 27 days peaked at 2.6 GB). An ``array.array`` holds
the same IEEE doubles (or 64-bit integers) in 8 bytes each, reads back the same Python numbers,
and becomes a numpy array without a copy (:func:`as_array`).
"""

from __future__ import annotations

from array import array

import numpy as np

__all__ = ["as_array", "tick_floats", "tick_ints"]


def tick_floats(size_or_values: int | np.ndarray) -> array[float]:
    """Doubles, one a tick: ``size_or_values`` zeros, or the float64 values given (exactly)."""
    if isinstance(size_or_values, int):
        return array("d", bytes(8 * size_or_values))
    out = array("d")
    out.frombytes(np.ascontiguousarray(size_or_values, dtype=np.float64).tobytes())
    return out


def tick_ints(size: int) -> array[int]:
    """``size`` 64-bit integer zeros, one a tick."""
    return array("q", bytes(8 * size))


def as_array(buffer: array[float] | array[int]) -> np.ndarray:
    """``buffer`` as a numpy array (float64 or int64) sharing its memory, not a copy."""
    return np.frombuffer(buffer, dtype=np.float64 if buffer.typecode == "d" else np.int64)
