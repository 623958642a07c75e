"""Synthetic HER2-positive metastatic breast-cancer registry, calibrated to STUDIES.md.

:func:`generate_registry` writes the registry tables of :mod:`linewise.model.registry`, the
ground-truth lines of therapy and, in messy mode, a list of planted invalid rows.
"""

from .generate import SynthResult, generate_registry

__all__ = ["SynthResult", "generate_registry"]
