"""Test-session settings shared by the whole suite.

Hypothesis runs derandomized (a fixed seed derived from each test) so that a run is
reproducible, as all randomness in linewise's tests is seeded; no per-example deadline, since
CI machines are shared and a slow example is not a failure.
"""

from hypothesis import settings

settings.register_profile("linewise", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("linewise")
