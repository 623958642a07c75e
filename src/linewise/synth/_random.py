"""Counter-based random numbers: every draw is a hash of (seed, stream, patient, sub-index).

Why not one ``numpy.random.Generator`` per chunk: a draw that is a pure function of the
patient's global number makes the files independent of ``chunk_size`` (the same seed gives
byte-identical files whatever the chunking) and lets every table draw exactly what it needs,
in any order, vectorised. The seed is spread into a 64-bit key with ``numpy.random.SeedSequence``
and mixed with SplitMix64 (Steele et al. 2014), whose output passes BigCrush.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from scipy.special import ndtri

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_TO_UNIT = 2.0**-53


class S(IntEnum):
    """Named random streams: one per independent decision, so adding one never shifts another."""

    GROUP = 1
    TDM1_LINE = 2
    RECHALLENGE = 3
    NO_HER2 = 4
    SUBTYPE = 5
    AGE = 6
    SEX = 7
    HER2 = 8
    KI67 = 9
    KI67_VALUE = 10
    GRADE = 11
    HISTOLOGY = 12
    CENTRE = 13
    DE_NOVO = 14
    EARLY_TREATED = 15
    EARLY_TMAB = 16
    NEOADJUVANT = 17
    DFI = 18
    ANCHOR = 19
    ER_PCT = 20
    PGR_PCT = 21
    N_SITES = 22
    SITE_KEYS = 23
    SITE_LATE = 24
    FRAILTY = 25
    ECOG = 26
    D0 = 27
    GAP = 28
    HOLIDAY = 29
    PFS = 30
    END_KIND = 31
    STOP_FRACTION = 32
    RADIOLOGICAL = 33
    ASSESS_INTERVAL = 34
    ASSESS_JITTER = 35
    PPS = 36
    DEATH_ON_LINE = 37
    REGIMEN = 38
    LOST = 39
    LOST_TIME = 40
    LAST_CONTACT = 41
    ENROL_KIND = 42
    ENROL_TIME = 43
    RESPONSE = 44
    RESPONSE_CR = 45
    RESPONSE_AT = 46
    EARLY_REGIMEN = 47
    EARLY_DATES = 48
    ENDOCRINE = 49
    ADMIN_JITTER = 50
    SUBSTITUTE = 51
    SC_SWITCH = 52
    ONDANSETRON = 53
    BONE_DRUG = 54
    BONE_TIMES = 55
    PS_JITTER = 56
    BIRTH = 57
    HER2_ISH = 58
    PGR_UNKNOWN = 59
    MESSY = 60
    INVALID = 61
    TDM1_UPTAKE = 62
    DROP_OUT = 63


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, in place on a fresh uint64 array (wrap-around is intended)."""
    x += _GOLDEN
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


class Random:
    """Deterministic, vectorised draws keyed by stream and integer ids.

    Parameters
    ----------
    seed : int
        The user's seed; spread into a 64-bit key with ``numpy.random.SeedSequence``.

    Examples
    --------
    >>> import numpy as np
    >>> r = Random(0)
    >>> u = r.uniform(S.AGE, np.arange(3))
    >>> bool(((u > 0) & (u < 1)).all()), np.array_equal(u, Random(0).uniform(S.AGE, np.arange(3)))
    (True, True)
    """

    def __init__(self, seed: int) -> None:
        self.key = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)[0]

    def bits(self, stream: int, *ids) -> np.ndarray:
        arrays = np.broadcast_arrays(*[np.asarray(i) for i in ids])
        h = np.full(arrays[0].shape, self.key ^ np.uint64(stream * 0x100000001B3), dtype=np.uint64)
        _mix(h)
        for a in arrays:
            h ^= a.astype(np.uint64)
            _mix(h)
        return h

    def uniform(self, stream: int, *ids) -> np.ndarray:
        """Uniform in the open interval (0, 1)."""
        return ((self.bits(stream, *ids) >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT

    def normal(self, stream: int, *ids) -> np.ndarray:
        return ndtri(self.uniform(stream, *ids))

    def choice(self, stream: int, probs, *ids) -> np.ndarray:
        """Index into ``probs`` (need not sum to one) for each id."""
        cum = np.cumsum(np.asarray(probs, dtype=float))
        u = self.uniform(stream, *ids) * cum[-1]
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int8)

    def integers(self, stream: int, low, high, *ids) -> np.ndarray:
        """Integers in ``[low, high)`` (bounds broadcast with the ids)."""
        u = self.uniform(stream, *ids)
        return (np.asarray(low) + np.floor(u * (np.asarray(high) - np.asarray(low)))).astype(np.int64)


def weibull(u: np.ndarray, median, shape, log_hr=0.0) -> np.ndarray:
    """Weibull times by inversion, with the given median at ``log_hr == 0`` (PH scaling)."""
    return median * (np.log(1.0 / u) / np.log(2.0) * np.exp(-np.asarray(log_hr))) ** (1.0 / shape)


def lognormal(z: np.ndarray, median, sigma) -> np.ndarray:
    return median * np.exp(sigma * z)
