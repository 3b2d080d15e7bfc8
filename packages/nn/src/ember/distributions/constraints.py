"""Constraints: the set a distribution's parameter or sample lives in, with a ``check(value)``.

``check`` returns a bool tensor over the batch (event dimensions are reduced); it is what
``validate_args`` uses.
"""

from __future__ import annotations

import ember

__all__ = ["Constraint", "boolean", "real", "real_vector", "positive", "nonnegative", "unit_interval",
           "simplex", "lower_cholesky", "positive_definite", "nonnegative_integer", "greater_than",
           "greater_than_eq", "less_than", "interval", "half_open_interval", "integer_interval", "independent",
           "dependent", "one_hot"]


class Constraint:
    """A set of values; ``event_dim`` is how many rightmost dimensions one value spans."""

    is_discrete = False
    event_dim = 0

    def check(self, value):
        raise NotImplementedError

    def __repr__(self) -> str:
        return type(self).__name__.lstrip("_") + "()"


class _Dependent(Constraint):
    """A placeholder for a support that depends on other parameters (no check)."""

    def check(self, value):
        raise ValueError("Cannot determine validity of dependent constraint")


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value):
        return (value == 0) | (value == 1)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value):
        is_boolean = ((value == 0) | (value == 1)).all(-1)
        return is_boolean & (value.sum(-1) == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound, upper_bound) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return f"IntegerInterval(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound) -> None:
        self.lower_bound = lower_bound

    def check(self, value):
        return (value % 1 == 0) & (value >= self.lower_bound)


class _Real(Constraint):
    def check(self, value):
        return value == value  # False only for NaN


class _GreaterThan(Constraint):
    def __init__(self, lower_bound, strict: bool = True) -> None:
        self.lower_bound, self.strict = lower_bound, strict

    def check(self, value):
        return value > self.lower_bound if self.strict else value >= self.lower_bound

    def __repr__(self) -> str:
        name = "GreaterThan" if self.strict else "GreaterThanEq"
        return f"{name}(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound) -> None:
        self.upper_bound = upper_bound

    def check(self, value):
        return value < self.upper_bound

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound, upper_bound, closed_upper: bool = True) -> None:
        self.lower_bound, self.upper_bound, self.closed_upper = lower_bound, upper_bound, closed_upper

    def check(self, value):
        upper = value <= self.upper_bound if self.closed_upper else value < self.upper_bound
        return (value >= self.lower_bound) & upper

    def __repr__(self) -> str:
        name = "Interval" if self.closed_upper else "HalfOpenInterval"
        return f"{name}(lower_bound={self.lower_bound}, upper_bound={self.upper_bound})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value):
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value):
        lower = (value.tril() == value).all(-1).all(-1)
        n = value.shape[-1]
        diag = (value * ember.eye(n, dtype=value.dtype, device=value.device)).sum(-1)
        return lower & (diag > 0).all(-1)


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, value):
        import numpy as np
        a = value.detach().cpu().numpy()
        symmetric = np.all(np.isclose(a, np.swapaxes(a, -1, -2), rtol=1e-6, atol=1e-8), axis=(-1, -2))
        eig_ok = np.all(np.linalg.eigvalsh(a) > 0, axis=-1) if a.size else np.ones(a.shape[:-2], bool)
        return ember.from_numpy(np.asarray(symmetric & eig_ok))


class _Independent(Constraint):
    """``base_constraint`` with ``reinterpreted_batch_ndims`` more dimensions in one event."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint = base_constraint
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims

    @property
    def is_discrete(self) -> bool:
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:
        return self.base_constraint.event_dim + self.reinterpreted_batch_ndims

    def check(self, value):
        result = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            result = result.all(-1)
        return result


class _RealVector(_Independent):
    def __init__(self) -> None:
        super().__init__(_Real(), 1)


dependent = _Dependent()
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
integer_interval = _IntegerInterval
real = _Real()
real_vector = _RealVector()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThan(0.0, strict=False)
greater_than = _GreaterThan
less_than = _LessThan


def greater_than_eq(lower_bound) -> Constraint:
    return _GreaterThan(lower_bound, strict=False)


unit_interval = _Interval(0.0, 1.0)
interval = _Interval


def half_open_interval(lower_bound, upper_bound) -> Constraint:
    return _Interval(lower_bound, upper_bound, closed_upper=False)


simplex = _Simplex()
lower_cholesky = _LowerCholesky()
positive_definite = _PositiveDefinite()
independent = _Independent
