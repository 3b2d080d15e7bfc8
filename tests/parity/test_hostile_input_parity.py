"""Hostile input, ember against PyTorch: the same exception type where PyTorch refuses an
argument (ember words its messages itself: they name the bad value and the limit)."""

import pytest

import ember

torch = pytest.importorskip("torch")


def _error(fn, lib):
    try:
        fn(lib)
    except Exception as err:  # noqa: BLE001 - the exception type is what is compared
        return err
    return None


def _same_error_type(fn):
    theirs, ours = _error(fn, torch), _error(fn, ember)
    assert theirs is not None, "the case no longer fails in PyTorch"
    assert ours is not None, f"PyTorch raises {theirs!r}, ember does not"
    assert type(ours) is type(theirs), f"ember raises {ours!r}, PyTorch {theirs!r}"


INDEX_ERRORS = [
    lambda lib: lib.index_select(lib.zeros(3, 4), 1, lib.tensor([4])),
    lambda lib: lib.index_select(lib.zeros(3, 4), 0, lib.tensor([-1])),
    lambda lib: lib.index_select(lib.zeros(3), 0, lib.tensor([5])),
    lambda lib: lib.index_select(lib.zeros(3), 0, lib.tensor([-4])),
    lambda lib: lib.index_select(lib.tensor(5.), 0, lib.tensor([1])),
    lambda lib: lib.zeros(3, 4).index_add(1, lib.tensor([-1, 0]), lib.ones(3, 2)),
    lambda lib: lib.zeros(3, 4).index_copy(1, lib.tensor([-1, 0]), lib.ones(3, 2)),
    lambda lib: lib.zeros(3, 4).index_fill(1, lib.tensor([-5]), 1.),
    lambda lib: lib.zeros(3, 4).gather(1, lib.tensor([[-1]])),
    lambda lib: lib.zeros(3, 4).scatter(1, lib.tensor([[-1]]), 1.),
    lambda lib: lib.zeros(3, 4).scatter_add(1, lib.tensor([[9]]), lib.ones(1, 1)),
    lambda lib: lib.zeros(3, 4).scatter_reduce(1, lib.tensor([[9]]), lib.ones(1, 1), "amax"),
    lambda lib: lib.zeros(3, 4).take(lib.tensor([-13])),
    lambda lib: lib.zeros(3, 4).index_put_((lib.tensor([-4]),), lib.tensor(1.), accumulate=True),
    lambda lib: lib.zeros(3, 4)[lib.tensor([5])],
]


@pytest.mark.parametrize("case", range(len(INDEX_ERRORS)))
def test_out_of_range_indices_raise_pytorchs_error_type(case):
    _same_error_type(INDEX_ERRORS[case])


CREATION_ERRORS = [
    lambda lib: lib.tensor([2 ** 63]),
    lambda lib: lib.tensor([-2 ** 63 - 1]),
    lambda lib: lib.tensor(2 ** 64),
    lambda lib: lib.tensor([2 ** 63, -1]),
    lambda lib: lib.tensor([2 ** 63], dtype=lib.uint8),
    lambda lib: lib.tensor([300], dtype=lib.int8),
    lambda lib: lib.tensor([256], dtype=lib.uint8),
    lambda lib: lib.tensor([-300], dtype=lib.uint8),
    lambda lib: lib.tensor([-1.5], dtype=lib.uint8),
    lambda lib: lib.tensor([float("inf")], dtype=lib.int32),
    lambda lib: lib.tensor([float("nan")], dtype=lib.int64),
    lambda lib: lib.tensor([2 ** 40], dtype=lib.int32),
    lambda lib: lib.tensor([True, 300], dtype=lib.int8),
    lambda lib: lib.as_tensor([300], dtype=lib.int8),
    lambda lib: lib.full((2,), 300, dtype=lib.int8),
    lambda lib: lib.full((2,), 2 ** 63),
    lambda lib: lib.full((2,), 1e40, dtype=lib.float32),
    lambda lib: lib.full((2,), float("inf"), dtype=lib.int64),
    lambda lib: lib.zeros(2, dtype=lib.int8).fill_(300),
    lambda lib: lib.zeros(2, dtype=lib.int64).fill_(2 ** 63),
    lambda lib: lib.zeros(2).fill_(1e40),
    lambda lib: lib.arange(2 ** 63, 2 ** 63 + 2),
    lambda lib: lib.arange(0, 1e30),
    lambda lib: lib.arange(0, float("inf")),
    lambda lib: lib.arange(0, float("nan")),
    lambda lib: lib.arange(0, 5, float("nan")),
    lambda lib: lib.arange(0, 5, -float("inf")),
    lambda lib: lib.arange(0, 5, float("inf"), dtype=lib.int64),
    lambda lib: lib.arange(0, 1, dtype=lib.bool),
    lambda lib: lib.arange(float("inf"), 0, dtype=lib.bool),
    lambda lib: lib.arange(-2 ** 63 - 1, 0, dtype=lib.float32),
    lambda lib: lib.arange(0, 2 ** 64, dtype=lib.float16),
    lambda lib: lib.arange(-129, 1e308, 0.5, dtype=lib.float16),
    lambda lib: lib.arange(0, 2 ** 63 - 1, 2 ** 62),
    lambda lib: lib.arange(0, 5, 0.5, dtype=lib.int64),
    lambda lib: lib.arange(0, 5, -0.5, dtype=lib.int64),
    lambda lib: lib.tensor([-93, 255, -2 ** 63 - 1], dtype=lib.int8),
    lambda lib: lib.tensor([-93, 255, -2 ** 63 - 1], dtype=lib.uint8),
    lambda lib: lib.tensor([300.0, 2 ** 63], dtype=lib.int64),
    lambda lib: lib.full((2, 0), -2 ** 63 - 1, dtype=lib.int8),
    lambda lib: lib.full((0,), 2 ** 64, dtype=lib.float32),
    lambda lib: lib.arange(8, 255, 1e308, dtype=lib.float16),
    lambda lib: lib.nn.functional.group_norm(lib.ones(1, 1), 1),
    lambda lib: lib.nn.functional.group_norm(lib.ones(1, 2, 1), 2),
    lambda lib: lib.nn.functional.group_norm(lib.ones(0, 1, 4, 3), 1, lib.ones(())),
    lambda lib: lib.nn.functional.layer_norm(lib.ones(4), [4], lib.ones(4, 1)),
    lambda lib: lib.tensor([-1.5, -3], dtype=lib.uint8),
    lambda lib: lib.nn.functional.fold(lib.zeros(3, 1), [-1, 1], [1, 3], dilation=2, padding=[1, 2], stride=[3, 2]),
    lambda lib: lib.linspace(0, 300, 3, dtype=lib.int8),
    lambda lib: lib.zeros(2 ** 62, 2 ** 62),
    lambda lib: lib.eye(2 ** 40),
    lambda lib: lib.ones(2) + 2 ** 64,
    lambda lib: lib.ones(2).mul_(2 ** 64),
    lambda lib: lib.ones(2, dtype=lib.int64) < 2 ** 64,
    lambda lib: lib.ones(2, dtype=lib.int8).clamp(max=300),
    lambda lib: lib.ones(2).clamp(max=1e40),
]


@pytest.mark.parametrize("case", range(len(CREATION_ERRORS)))
def test_extreme_values_raise_pytorchs_error_type(case):
    _same_error_type(CREATION_ERRORS[case])


SAME_VALUES = [
    lambda lib: lib.tensor([-1], dtype=lib.uint8),
    lambda lib: lib.tensor([1e40], dtype=lib.float32),
    lambda lib: lib.tensor([2 ** 63, 1.5]),
    lambda lib: lib.full((2,), -1, dtype=lib.uint8),
    lambda lib: lib.arange(0, 300, 100, dtype=lib.int8),
    lambda lib: lib.arange(0, 5, float("inf")),
    lambda lib: lib.arange(32768, -2147483649, -float("inf"), dtype=lib.float64),
    lambda lib: lib.arange(-2 ** 63, 65520.0, float("inf"), dtype=lib.float16),
    lambda lib: lib.arange(0, 5, 1.5, dtype=lib.int64),
    lambda lib: lib.arange(0, 5, 1.5, dtype=lib.int32),
    lambda lib: lib.arange(0.5, 5.7, 2, dtype=lib.int64),
    lambda lib: lib.tensor([2 ** 64, 0], dtype=lib.bool),
    lambda lib: lib.tensor([2.5, 2.5, -128], dtype=lib.uint8),
    lambda lib: lib.arange(-14, 8, 0.5, dtype=lib.int16),
    lambda lib: lib.arange(-14, 8, 1.5, dtype=lib.int8),
    lambda lib: lib.arange(128, 32768, 2 ** 63 - 1),
    lambda lib: lib.arange(-2 ** 63, 2 ** 63 - 1, 2 ** 62),
    lambda lib: lib.full((1,), 2 ** 64 - 1, dtype=lib.float64),
    lambda lib: lib.ones(2, dtype=lib.int8) + 300,
    lambda lib: lib.ones(2, dtype=lib.int8) * 300,
    lambda lib: lib.ones(2, dtype=lib.uint8) + -1,
    lambda lib: lib.ones(2, dtype=lib.int64) + 2 ** 63,
    lambda lib: lib.ones(2, dtype=lib.int8).add_(300),
    lambda lib: lib.ones(2, dtype=lib.int8) == 300,
]


@pytest.mark.parametrize("case", range(len(SAME_VALUES)))
def test_extreme_values_pytorch_accepts_give_its_values(case):
    theirs, ours = SAME_VALUES[case](torch), SAME_VALUES[case](ember)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    assert ours.tolist() == theirs.tolist()


EXPANDED_WRITES = [
    lambda lib: lib.zeros(1).expand(3).add_(1),
    lambda lib: lib.zeros(1).expand(3).copy_(lib.ones(3)),
    lambda lib: lib.zeros(1, 2).expand(3, 2).index_add_(0, lib.tensor([0]), lib.ones(1, 2)),
    lambda lib: lib.zeros(1).expand(3).exp_(),
    lambda lib: lib.zeros(1).expand(3).clamp_(0, 1),
    lambda lib: lib.zeros(1).expand(3).uniform_(),
    lambda lib: lib.zeros(1).expand(3).mul_(lib.ones(3)),
    lambda lib: lib.zeros(3, 1).expand(3, 4).sub_(1.5),
    lambda lib: lib.zeros(1).expand(3).relu_(),
]


@pytest.mark.parametrize("case", range(len(EXPANDED_WRITES)))
def test_writing_into_an_expanded_view_raises_pytorchs_error_type(case):
    _same_error_type(EXPANDED_WRITES[case])
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single memory "
                                           "location"):
        EXPANDED_WRITES[case](ember)


def test_loading_a_checkpoint_with_other_group_sizes_raises_pytorchs_error_type():
    def load(lib):
        a, b = lib.ones(2, requires_grad=True), lib.ones(2, requires_grad=True)
        saved = lib.optim.SGD([a, b], lr=0.1).state_dict()
        lib.optim.SGD([a], lr=0.1).load_state_dict(saved)
    import ember.optim  # noqa: F401
    _same_error_type(load)
