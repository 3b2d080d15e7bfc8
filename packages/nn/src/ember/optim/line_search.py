"""A line search satisfying the strong Wolfe conditions (Nocedal & Wright, Algorithms 3.5 and 3.6).

The search runs on flat NumPy vectors: ``evaluate(t)`` returns ``(f, g)`` at ``x + t * d``.
Trial steps come from the minimiser of the cubic through two points' values and slopes
(N&W eq. 3.59), kept inside safeguarded bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

SUFFICIENT_DECREASE = 1e-4  # c1 of the Armijo condition
CURVATURE = 0.9             # c2 of the curvature condition (N&W's value for quasi-Newton methods)
MAX_TRIALS = 25             # trials after the first, unless the caller's evaluation budget is smaller


def cubic_minimizer(t1: float, f1: float, g1: float, t2: float, f2: float, g2: float,
                    low: float, high: float) -> float:
    """The minimiser in ``[low, high]`` of the cubic matching ``f`` and ``f'`` at ``t1`` and ``t2``;
    the middle of the interval when the cubic has no minimum there."""
    d1 = g1 + g2 - 3 * (f1 - f2) / (t1 - t2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (low + high) / 2
    d2 = math.copysign(math.sqrt(disc), t2 - t1)
    t = t2 - (t2 - t1) * (g2 + d2 - d1) / (g2 - g1 + 2 * d2)
    return min(max(t, low), high)


def strong_wolfe(evaluate: Callable[[float], tuple], f0: float, g0: np.ndarray, d: np.ndarray, t: float,
                 tolerance_change: float = 1e-9, max_trials: int = MAX_TRIALS) -> tuple[float, np.ndarray, float, int]:
    """Find a step ``t`` along ``d`` from the point where ``f = f0`` and the gradient is ``g0``.

    Returns ``(f, g, t, evaluations)`` at the accepted step: the best point found when
    ``max_trials`` evaluations after the first are spent or the bracket shrinks below
    ``tolerance_change``.
    """
    slope0 = float(g0 @ d)
    d_norm = float(np.abs(d).max())
    evals = 0

    def trial(step: float):
        nonlocal evals
        evals += 1
        f, g = evaluate(step)
        return float(f), g, float(g @ d)

    def armijo_fails(step: float, f: float) -> bool:
        return f > f0 + SUFFICIENT_DECREASE * step * slope0

    def curvature_holds(slope: float) -> bool:
        return abs(slope) <= -CURVATURE * slope0

    # Phase 1 (Algorithm 3.5): grow the step until an interval is known to hold an acceptable one.
    prev = (0.0, f0, g0, slope0)
    f, g, slope = trial(t)
    bracket = None
    while evals <= max_trials:
        if armijo_fails(t, f) or (evals > 2 and f >= prev[1]):
            bracket = [prev, (t, f, g, slope)]
            break
        if curvature_holds(slope):
            return f, g, t, evals
        if slope >= 0:
            bracket = [prev, (t, f, g, slope)]
            break
        # extrapolate: at least 1% past the current step, at most ten times it
        nxt = cubic_minimizer(prev[0], prev[1], prev[3], t, f, slope, t + 0.01 * (t - prev[0]), 10 * t)
        prev = (t, f, g, slope)
        t = nxt
        f, g, slope = trial(t)
    if bracket is None:  # budget spent while still descending: the interval from the start
        bracket = [(0.0, f0, g0, slope0), (t, f, g, slope)]

    # Phase 2 (Algorithm 3.6, "zoom"): shrink the bracket; `lo` is always its better end.
    lo, hi = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
    stalled = False
    while evals <= max_trials:
        a, b = bracket[0][0], bracket[1][0]
        if abs(b - a) * d_norm < tolerance_change:
            break
        t = cubic_minimizer(*bracket[0][:2], bracket[0][3], *bracket[1][:2], bracket[1][3], min(a, b), max(a, b))
        # keep trials away from the ends; after a trial that made little progress, force a 10% step
        top, bottom = max(a, b), min(a, b)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f, g, slope = trial(t)
        point = (t, f, g, slope)
        if armijo_fails(t, f) or f >= bracket[lo][1]:
            bracket[hi] = point
            lo, hi = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if curvature_holds(slope):
                bracket[lo] = point
                break
            if slope * (bracket[hi][0] - bracket[lo][0]) >= 0:
                bracket[hi] = bracket[lo]
            bracket[lo] = point
        if abs(bracket[1][0] - bracket[0][0]) * d_norm < tolerance_change:
            break
    t, f, g, _ = bracket[lo]
    return f, g, t, evals
