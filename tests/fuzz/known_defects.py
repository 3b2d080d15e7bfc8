"""What the fuzzers found that is not fixed yet, so that their CI run stays green while the fixes
land and fails on anything new.

Each entry has the smallest case that shows it (``test_known_defects.py`` runs them as strict
xfails: when a fix lands that test fails, and the entry is to be removed here) and a predicate
that recognises the random cases it explains, from the case and the failure's detail (which
says what PyTorch did: ``torch raised RuntimeError (...)``, ``torch returned ...``; a crash report
carries the child's ``torch raised ...`` line). ``kind`` is "defect" (ember is wrong) or
"torch quirk" (PyTorch contradicts its own documentation and ember follows the documentation).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    name: str
    family: str  # the family_* module whose check runs the reproducer
    reproducer: dict
    explains: Callable[[dict, str], bool]  # (case, failure detail) of that family -> this defect
    note: str  # ember's behaviour against PyTorch's
    kind: str = "defect"


def torch_raised(detail: str, kind: str = "") -> bool:
    return bool(re.search(rf"torch raised {kind}", detail))


def torch_returned(detail: str) -> bool:
    return "torch returned" in detail


def crashed(detail: str) -> bool:
    return detail.startswith(("child killed", "child exited", "hung"))


def _shape(case: dict, i: int = 0) -> list:
    spec = case["inputs"][i]
    return spec[0] if spec else None


def _kw(case: dict, name: str, default=None):
    return case.get("kwargs", {}).get(name, default)


def _ints(value) -> list:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, int)]
    return [value] if isinstance(value, int) else []


_CONV = ("conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d")


def _batched_empty(case: dict) -> bool:
    dims = 1 if case["op"].endswith("1d") else 2
    shape = _shape(case)
    return len(shape) == dims + 2 and shape[0] == 0


def _norm_vectors(case: dict) -> list:
    return [s[0] for s in case["inputs"][1:] if s is not None]


def _int_dtype(case: dict) -> bool:
    dtype = (_kw(case, "dtype") or {}).get("__dtype__", "")
    return dtype.startswith(("int", "uint"))


def _data_ints(case: dict) -> list:
    data = case["args"][0] if case["op"] == "tensor" else case["args"][1:] if case["op"] == "full" else case["args"]
    values = data if isinstance(data, list) else [data]
    return [v for v in values if isinstance(v, int) and not isinstance(v, bool)]


DEFECTS: list[Defect] = [
    # -- convolution, unfold, fold, pixel shuffle (kernels-nn) -------------------------------------
    Defect("conv-same-padding-strided-error-type", "family_conv",
           {"op": "conv2d", "inputs": [[[1, 1, 5, 5], "float32"], [[1, 1, 3, 3], "float32"], None],
            "kwargs": {"stride": 2, "padding": "same"}, "seed": 0},
           lambda c, d: c["op"] in _CONV and _kw(c, "padding") == "same" and torch_raised(d, "RuntimeError"),
           "padding='same' with stride > 1 raises ValueError; PyTorch raises RuntimeError"),
    Defect("conv-zero-input-channels", "family_conv",
           {"op": "conv2d", "inputs": [[[0, 2, 5], "float32"], [[4, 0, 2, 2], "float32"], [[4], "float32"]],
            "kwargs": {"dilation": 2, "groups": 2, "padding": "same"}, "seed": 0},
           lambda c, d: c["op"] in _CONV and torch_returned(d) and 0 in (_shape(c, 1) or [1])[:2],
           "a weight with no input (or output) channels: PyTorch returns a tensor shaped like the input (0, 2, 5); "
           "ember returns the documented (C_out, H_out, W_out) = (4, 2, 5)", kind="torch quirk"),
    Defect("conv-empty-batch-skipped-checks", "family_conv",
           {"op": "conv2d", "inputs": [[[0, 1, 7, 5], "float32"], [[2, 1, 0, 0], "float32"], None],
            "kwargs": {"padding": 1}, "seed": 0},
           lambda c, d: c["op"] in _CONV and _batched_empty(c) and "ember raised RuntimeError" in d and (
               torch_raised(d, "IndexError") and 0 in (_shape(c, 1) or [1])[2:]
               or torch_returned(d) and 0 in _ints(_kw(c, "dilation", 1))),
           "with a batch of 0 PyTorch skips two argument checks: a weight with an empty kernel ((2, 1, 0, 0)) raises "
           "IndexError from an internal select() instead of its 'kernel size should be greater than zero' "
           "RuntimeError, and dilation=0 returns an empty result; ember checks the arguments as for any batch and "
           "raises RuntimeError", kind="torch quirk"),
    Defect("conv-transpose-zero-output-size", "family_conv",
           {"op": "conv_transpose2d", "inputs": [[[2, 2, 2, 4], "float32"], [[2, 1, 1, 3], "float32"], None],
            "kwargs": {"dilation": 2, "groups": 2, "padding": 1}, "seed": 0},
           lambda c, d: c["op"].startswith("conv_transpose") and "Output size is too small" in d and bool(
               re.search(r"torch returned a tensor of shape \([^)]*\b0\b", d)),
           "conv_transpose with an output size of 0 (here (2 x 4) -> (0 x 6)): PyTorch raises RuntimeError ('Output "
           "size is too small') for a batch of 1 and groups=1 but returns an empty (2, 2, 0, 6) for a batch of 2 or "
           "groups=2 (another backend); ember raises RuntimeError for every batch and groups", kind="torch quirk"),
    Defect("pixel-unshuffle-empty", "family_conv",
           {"op": "pixel_unshuffle", "inputs": [[[2, 1, 2, 0, 6], "float32"]], "args": [3], "seed": 2},
           lambda c, d: c["op"].startswith("pixel_") and torch_returned(d) and 0 in _shape(c),
           "on an input with no elements PyTorch returns the input's shape (2, 1, 2, 0, 6); ember returns the "
           "documented (*, C*r*r, H/r, W/r) = (2, 1, 18, 0, 2)", kind="torch quirk"),
    # -- pooling (kernels-nn) -----------------------------------------------------------------------
    Defect("adaptive-avg-pool-empty", "family_pooling",
           {"op": "adaptive_avg_pool2d", "inputs": [[[1, 1, 0, 0], "float32"]], "kwargs": {"output_size": [1, 1]},
            "seed": 0},
           lambda c, d: c["op"].startswith("adaptive_avg") and torch_returned(d) and 0 in _shape(c),
           "adaptive_avg_pool1d/2d of an input with no channels or no spatial elements raise RuntimeError; PyTorch "
           "returns (an empty tensor, or NaN means for output windows over nothing: (1, 1, 0, 0) -> (1, 1, 1, 1))"),
    Defect("pooling-integer-input", "family_pooling",
           {"op": "avg_pool2d", "inputs": [[[3, 6, 4], "int64"]], "kwargs": {"kernel_size": 3}, "seed": 0},
           lambda c, d: c["inputs"][0][1] == "int64",
           "pooling int64 input: avg_pool2d raises RuntimeError ('not implemented for Long'), PyTorch computes it; "
           "adaptive_max_pool1d raises RuntimeError where PyTorch raises NotImplementedError; lp_pool1d raises "
           "RuntimeError where PyTorch raises TypeError"),
    Defect("lp-pool-argument-length-error-type", "family_pooling",
           {"op": "lp_pool2d", "inputs": [[[1, 3, 8, 10], "float64"]], "kwargs": {"kernel_size": [0], "norm_type": 1},
            "seed": 0},
           lambda c, d: c["op"].startswith("lp_pool") and torch_raised(d, "ValueError"),
           "lp_pool2d with a kernel_size/stride list of the wrong length raises RuntimeError; PyTorch raises "
           "ValueError (its unpacking)"),
    # -- indexing (kernels-core) --------------------------------------------------------------------
    Defect("indexing-argument-error-types", "family_indexing",
           {"op": "index_copy", "shape": [1, 2, 2], "dtype": "float32", "dim": 1, "seed": 1,
            "index": {"shape": [0], "dtype": "int64", "values": []}, "src": [1, 0, 2, 1], "inplace": False,
            "expand": False},
           lambda c, d: torch_raised(d) and "ember raised" in d,
           "argument errors of another type than PyTorch's: index_select on a 0-d tensor with an index of != 1 "
           "element (IndexError vs RuntimeError), index_copy/index_add dimensionality and dim checks (RuntimeError "
           "vs IndexError; ember checks the index dtype before dim), take_along_dim rank check"),
    Defect("indexing-empty-operands", "family_indexing",
           {"op": "gather", "shape": [4], "dtype": "int32", "dim": 0, "seed": 1,
            "index": {"shape": [1, 0, 0], "dtype": "int64", "values": []}},
           lambda c, d: torch_returned(d) and "ember raised" in d and 0 in [
               *c["index"]["shape"], *c.get("src", []), *c["shape"]],
           "with an empty index, source or input PyTorch checks less: gather/scatter/scatter_reduce with an empty "
           "index of another rank or dtype, index_copy/index_add with an empty source and out-of-range indices "
           "return in PyTorch; ember raises RuntimeError or IndexError"),
    Defect("inplace-into-expanded-view", "family_indexing",
           {"op": "setitem", "shape": [4, 3, 4], "dtype": "float32", "dim": 0, "seed": 2,
            "index": {"shape": [1], "dtype": "int64", "values": [0]}, "src": [], "accumulate": False,
            "inplace": True, "expand": True},
           lambda c, d: bool(c.get("expand")),
           "writing in place into an expanded view: x = ember.zeros(1, 1, 1).expand(4, 3, 4); x[ember.tensor([0])] = "
           "ember.tensor(1.0) raises RuntimeError ('value tensor of shape [] cannot be broadcast to indexing result "
           "of shape [1, 3, 4]'); PyTorch writes it (setitem), and for index_add_/scatter_/index_fill_ into "
           "overlapping memory raises RuntimeError"),
    Defect("take-along-dim-unchecked-in-torch", "family_indexing",
           {"op": "take_along_dim", "shape": [4], "dtype": "int64", "dim": 0, "seed": 154362,
            "index": {"shape": [3], "dtype": "int64", "values": [0, -9223372036854775808, 1099511627776]}},
           lambda c, d: c["op"] == "take_along_dim" and torch_returned(d) and "is out of bounds" in d,
           "take_along_dim with an index out of range: PyTorch 2.13 on CPU does not check it and returns whatever it "
           "reads (take_along_dim(arange(4), tensor([5]), 0) gives [1]); ember raises RuntimeError",
           kind="torch quirk"),
    # -- normalization (kernels-nn) -----------------------------------------------------------------
    Defect("norm-zero-channels", "family_norm",
           {"op": "batch_norm", "inputs": [[[3, 0], "float32"], [[0], "float32"], [[0], "float32"],
                                           [[0], "float32"], [[0], "float32"]],
            "kwargs": {"eps": 0.001, "training": True, "momentum": 1.0}, "seed": 0},
           lambda c, d: c["op"] in ("batch_norm", "instance_norm") and _shape(c)[1:2] == [0] and torch_raised(d),
           "batch_norm/instance_norm with C=0 raise ZeroDivisionError or return; PyTorch raises IndexError"),
    Defect("layer-norm-empty-normalized-shape", "family_norm",
           {"op": "layer_norm", "inputs": [[[2, 3], "float32"], None, None],
            "kwargs": {"eps": 1e-05, "normalized_shape": []}, "seed": 0},
           lambda c, d: c["op"] == "layer_norm" and _kw(c, "normalized_shape") == [] and torch_raised(d),
           "layer_norm with normalized_shape=[] returns the input normalised over nothing; PyTorch raises "
           "RuntimeError"),
    Defect("batch-norm-eps-in-training", "family_norm",
           {"op": "batch_norm", "inputs": [[[3, 4], "float64"], None, None, [[4], "float64"], [[4], "float64"]],
            "kwargs": {"eps": 0.0, "training": True, "momentum": 0.0}, "seed": 3},
           lambda c, d: c["op"] == "batch_norm" and _kw(c, "eps") <= 0 and torch_raised(d, "ValueError"),
           "batch_norm(training=True, eps=0) returns; PyTorch raises ValueError ('eps must be positive')"),
    Defect("norm-vector-shapes-unchecked", "family_norm",
           {"op": "batch_norm", "inputs": [[[1, 4, 3, 1], "float32"], [[4], "float32"], [[1, 4], "float32"], None,
                                           None], "kwargs": {"eps": 0.001, "training": False, "momentum": 0.5},
            "seed": 1357},
           lambda c, d: c["op"] in ("batch_norm", "instance_norm") and torch_raised(d) and any(
               len(s) != 1 for s in _norm_vectors(c)),
           "batch_norm/instance_norm accept running statistics, weight or bias that are 0-d or 2-d (e.g. (1, C)); "
           "PyTorch raises RuntimeError or IndexError"),
    Defect("batch-norm-one-running-statistic", "family_norm",
           {"op": "batch_norm", "inputs": [[[2, 3, 3, 4], "float32"], [[3], "float32"], None, [[3], "float32"],
                                           [[3], "float32"]], "kwargs": {"eps": 1e-05, "training": True,
                                                                         "momentum": 0.5}, "seed": 86},
           lambda c, d: c["op"] == "batch_norm" and (c["inputs"][1] is None) != (c["inputs"][2] is None),
           "batch_norm with running_mean but not running_var (or the reverse) returns in training (PyTorch raises "
           "ValueError) and raises RuntimeError in evaluation on an empty batch (PyTorch returns)"),
    Defect("instance-norm-unchecked-arguments", "family_norm",
           {"op": "instance_norm", "inputs": [[[1, 4], "float32"], [[4], "float32"], [[4], "float32"],
                                              [[4], "float32"], [[4], "float32"]],
            "kwargs": {"eps": 0.0, "use_input_stats": True, "momentum": 0.5}, "seed": 4},
           lambda c, d: c["op"] == "instance_norm" and (torch_raised(d) or "ZeroDivisionError" in d or (
               torch_returned(d) and 0 in _shape(c))),
           "instance_norm: one spatial element in training returns (PyTorch ValueError); use_input_stats=False "
           "without running statistics raises AttributeError (PyTorch RuntimeError); running statistics of the "
           "wrong size return (PyTorch RuntimeError); zero channels ZeroDivisionError; an input with no elements "
           "and 0-d running statistics raises RuntimeError (PyTorch returns)"),
    Defect("batch-norm-empty-batch-skips-checks", "family_norm",
           {"op": "batch_norm", "inputs": [[[0, 3, 3, 1], "float32"], [[], "float32"], [[3], "float32"],
                                           [[3], "float32"], [[3], "float32"]],
            "kwargs": {"eps": 0.0, "training": False, "momentum": 1.0}, "seed": 798266},
           lambda c, d: c["op"] == "batch_norm" and 0 in _shape(c) and torch_returned(d) and (
               "ember raised RuntimeError" in d and "should contain" in d),
           "batch_norm in evaluation of an input with no elements (a batch of 0, or (2, 3, 3, 0)): PyTorch returns "
           "without checking the running statistics' size (a 0-d or 4-element running_mean for 3 channels); ember "
           "raises RuntimeError as for any input",
           kind="torch quirk"),
    # -- optimizers (kernels-core) ------------------------------------------------------------------
    Defect("grad-dtype-unchecked", "family_optim",
           {"optimizer": "SGD", "kwargs": {"lr": 0.1}, "shapes": [[3]], "dtype": "float32",
            "steps": [["wrong_dtype"]], "edit": None, "seed": 0},
           lambda c, d: "assign a gradient" in d,
           "assigning a float64 .grad to a float32 parameter (or the reverse) is accepted; PyTorch raises "
           "RuntimeError"),
    Defect("optimizer-state-size-unchecked", "family_optim",
           {"optimizer": "Adagrad", "kwargs": {}, "shapes": [[64]], "dtype": "float32",
            "steps": [["normal"], ["normal"]], "edit": {"kind": "resize", "param": 0, "key": 0, "shape": "smaller"},
            "seed": 0},
           lambda c, d: (c["edit"] or {}).get("kind") == "resize" and (torch_raised(d) or crashed(d)),
           "a loaded state whose buffer has another size than its parameter reaches the kernel: Adagrad and "
           "RMSprop with a 63-element buffer for a 64-element parameter read and write past the buffer (ASan: "
           "heap-buffer-overflow in the _optim kernel; the plain build returns), with a larger buffer step "
           "silently; PyTorch raises RuntimeError. SGD/Adam/AdamW raise ValueError instead of RuntimeError"),
    Defect("optimizer-state-checked-at-load", "family_optim",
           {"optimizer": "Adadelta", "kwargs": {"rho": 1.0, "weight_decay": 0.0, "maximize": True},
            "shapes": [[3]], "dtype": "float32", "steps": [["normal"], ["none"]],
            "edit": {"kind": "resize", "param": 0, "key": 2, "shape": "scalar"}, "seed": 132770},
           lambda c, d: (c["edit"] or {}).get("kind") == "resize" and torch_returned(d) and (
               "loaded state dict has" in d),
           "a loaded state whose buffer has another shape than its parameter: ember refuses it in load_state_dict "
           "(ValueError); PyTorch loads it and fails (RuntimeError) only at a step that uses it, so when no later "
           "step has a gradient for that parameter PyTorch returns"),
    Defect("float16-fill-overflow-one-element", "family_creation",
           {"op": "full", "args": [[1], 70000.0], "kwargs": {"dtype": {"__dtype__": "float16"}}, "seed": 0},
           lambda c, d: c["op"] in ("full", "tensor") and (_kw(c, "dtype") or {}).get("__dtype__") == "float16" and (
               torch_returned(d) and "float16 without overflow" in d),
           "a fill value beyond float16 (70000.0, 2**31 - 1): PyTorch raises RuntimeError for full() of any shape "
           "except one element (shape () or (1,)), where it returns inf; ember raises RuntimeError for every shape",
           kind="torch quirk"),
]


def known_defect(family: str, case: dict, detail: str) -> str | None:
    """The name of the known defect that explains ``case``'s failure (``detail``), or None."""
    return next((d.name for d in DEFECTS if d.family == family and d.explains(case, detail)), None)
