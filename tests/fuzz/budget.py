"""How many fuzz cases a run makes, from which seed, and drawing them from a Hypothesis strategy.

CI runs ``DEFAULT_EXAMPLES`` cases per family from seed 0; ``EMBER_FUZZ_EXAMPLES`` and
``EMBER_FUZZ_SEED`` change both (see README.md).
"""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

DEFAULT_EXAMPLES = 200


def examples(default: int = DEFAULT_EXAMPLES) -> int:
    return int(os.environ.get("EMBER_FUZZ_EXAMPLES", default))


def fuzz_seed() -> int:
    return int(os.environ.get("EMBER_FUZZ_SEED", "0"))


def draw_cases(strategy: st.SearchStrategy, n: int | None = None) -> list[dict]:
    """Up to ``n`` cases drawn from ``strategy`` by Hypothesis, reproducibly for one seed.

    Hypothesis only generates here (its boundary-seeking choices are why it is used); the
    cases then run in a child process (``isolation.run_isolated``), where a crash cannot
    take the generator down with it.
    """
    cases: list[dict] = []

    @seed(fuzz_seed())
    @settings(max_examples=examples() if n is None else n, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(case):
        cases.append(case)

    collect()
    unique = {json.dumps(c, sort_keys=True): c for c in cases}  # Hypothesis may repeat a case
    return list(unique.values())
