"""Fuzz family: optimizer steps on random parameters and gradients (missing, NaN, Inf, huge,
wrongly shaped or typed), with legal and illegal hyperparameters, and state dicts that are
edited between steps (buffers resized or dropped, parameter groups that do not match) before
they are loaded into a new optimizer."""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import float_dtypes, seeds

UNIT = st.sampled_from([0.0, 0.5, 0.9, 1.0, -0.1, 1.5])
NONNEG = st.sampled_from([0.0, 0.01, 0.1, -1.0])
HYPER = {  # optimizer: strategies of its keyword arguments
    "SGD": {"lr": NONNEG, "momentum": st.sampled_from([0.0, 0.9, -0.5]), "dampening": st.sampled_from([0.0, 0.1]),
            "weight_decay": NONNEG, "nesterov": st.booleans(), "maximize": st.booleans()},
    "Adam": {"lr": NONNEG, "betas": st.tuples(UNIT, UNIT), "eps": st.sampled_from([1e-8, 0.0, -1.0]),
             "weight_decay": NONNEG, "amsgrad": st.booleans(), "maximize": st.booleans()},
    "AdamW": {"lr": NONNEG, "betas": st.tuples(UNIT, UNIT), "weight_decay": NONNEG, "amsgrad": st.booleans()},
    "Adamax": {"lr": NONNEG, "betas": st.tuples(UNIT, UNIT), "eps": st.sampled_from([1e-8, -1.0]),
               "weight_decay": NONNEG, "maximize": st.booleans()},
    "Adagrad": {"lr": NONNEG, "lr_decay": NONNEG, "weight_decay": NONNEG,
                "initial_accumulator_value": st.sampled_from([0.0, 0.1, -1.0]), "eps": st.sampled_from([1e-10, -1.0])},
    "Adadelta": {"lr": NONNEG, "rho": UNIT, "eps": st.sampled_from([1e-6, -1.0]), "weight_decay": NONNEG,
                 "maximize": st.booleans()},
    "RMSprop": {"lr": NONNEG, "alpha": UNIT, "eps": st.sampled_from([1e-8, -1.0]), "weight_decay": NONNEG,
                "momentum": st.sampled_from([0.0, 0.9, -0.5]), "centered": st.booleans()},
}
GRADS = ["normal"] * 6 + ["none", "nan", "inf", "huge", "wrong_shape", "wrong_dtype"]


@st.composite
def cases(draw) -> dict:
    name = draw(st.sampled_from(sorted(HYPER)))
    kwargs = {k: draw(s) for k, s in HYPER[name].items() if draw(st.integers(0, 2))}
    shapes = draw(st.lists(st.lists(st.integers(0, 4), max_size=2), min_size=1, max_size=3))
    steps = draw(st.lists(st.lists(st.sampled_from(GRADS), min_size=len(shapes), max_size=len(shapes)),
                          min_size=1, max_size=3))
    edit = None
    if len(steps) > 1 and draw(st.booleans()):
        kind = draw(st.sampled_from(["resize"] * 4 + ["drop", "fewer_params", "extra_group"]))
        edit = {"kind": kind, "param": draw(st.integers(0, len(shapes) - 1)), "key": draw(st.integers(0, 3)),
                "shape": draw(st.sampled_from(["bigger", "smaller", "scalar", "column", "one"]))}
    return {"optimizer": name, "kwargs": kwargs, "shapes": shapes, "dtype": draw(float_dtypes), "steps": steps,
            "edit": edit, "seed": draw(seeds)}


def _grad(rng, kind: str, shape: tuple, dtype: str):
    import numpy as np

    if kind == "none":
        return None
    if kind == "wrong_shape":
        shape = (*shape, 2)
    if kind == "wrong_dtype":
        dtype = "float32" if dtype == "float64" else "float64"
    g = rng.standard_normal(shape).astype(dtype)
    if g.size and kind in ("nan", "inf", "huge"):
        g.flat[rng.integers(g.size)] = {"nan": np.nan, "inf": -np.inf, "huge": 3e38}[kind]
    return g


def _resized(rng, value_shape: tuple, how: str, dtype: str):
    import math

    n = math.prod(value_shape)
    shape = {"bigger": (n + 3,), "smaller": (max(n - 1, 0),), "scalar": (), "column": (n, 1), "one": (1,)}[how]
    return rng.standard_normal(shape).astype(dtype)


def _edit(ns, sd: dict, edit: dict, rng, dtype: str) -> None:
    """Apply ``edit`` to a state dict in ``ns``'s own format (both sides get the same edit)."""
    if edit["kind"] == "fewer_params":
        sd["param_groups"][0]["params"] = sd["param_groups"][0]["params"][:-1]
        return
    if edit["kind"] == "extra_group":
        sd["param_groups"].append(dict(sd["param_groups"][0], params=[]))
        return
    state = sd["state"].get(edit["param"])
    if not state:
        return
    keys = sorted(k for k, v in state.items() if k != "step" and v is not None)
    if not keys:
        return
    key = keys[edit["key"] % len(keys)]
    if edit["kind"] == "drop":
        del state[key]
    else:
        state[key] = ns.tensor(_resized(rng, tuple(state[key].shape), edit["shape"], dtype))


def _train(ns, case: dict):
    import numpy as np

    rng = np.random.default_rng(case["seed"])
    params = [ns.tensor(rng.standard_normal(tuple(s)).astype(case["dtype"]), requires_grad=True)
              for s in case["shapes"]]
    grads = [[_grad(rng, kind, tuple(s), case["dtype"]) for kind, s in zip(step, case["shapes"])]
             for step in case["steps"]]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in case["kwargs"].items()}
    cls = getattr(ns.optim, case["optimizer"])
    optimizer = cls(params, **kwargs)
    for i, step in enumerate(grads):
        if i == 1 and case["edit"]:
            sd = optimizer.state_dict()
            _edit(ns, sd, case["edit"], np.random.default_rng(case["seed"] + 1), case["dtype"])
            optimizer = cls(params, **kwargs)
            optimizer.load_state_dict(sd)
        for p, g in zip(params, step):
            p.grad = None if g is None else ns.tensor(g)
        optimizer.step()
    return tuple(p.detach() for p in params)


def check(case: dict) -> str:
    import torch
    from differential import check_same

    import ember

    return check_same(lambda: _train(ember, case), lambda: _train(torch, case),
               tol={"float32": dict(rtol=1e-4, atol=1e-5), "float64": dict(rtol=1e-9, atol=1e-10)})
