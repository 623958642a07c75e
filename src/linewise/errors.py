"""User-facing errors: the CLI prints them as one line, never as a traceback."""

from __future__ import annotations


class LinewiseError(Exception):
    """A mistake in what the user gave (file, option, spec), explained in one line."""


class InputFileError(LinewiseError):
    """A source file cannot be read at all (missing, empty, unknown format, no header)."""
