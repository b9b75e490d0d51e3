"""Shared test settings.

Under CI (CI=true) hypothesis runs derandomized: the same examples every
run, so a landing never depends on luck. Locally it explores new random
examples each run, which is where new bugs are found (e.g. the '\\x1f>'
Markdown crash); add what it finds as a regression test.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
