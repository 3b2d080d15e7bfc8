"""Type promotion, hand-derived from PyTorch's documented rules (torch.result_type and the
"Type Promotion" section of the tensor attributes docs), checked on ``ember.promote_types``,
``ember.result_type`` and on the dtype and values that ops actually return."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
SHORT = dict(zip(["b", "u8", "i8", "i16", "i32", "i64", "f16", "f32", "f64"], NAMES))

# promote_types for every pair, written out as in PyTorch's promotion table: within a category
# the wider type wins (uint8 with int8 needs int16); across categories the higher category wins.
TABLE_ROWS = """
      b   u8  i8  i16 i32 i64 f16 f32 f64
b     b   u8  i8  i16 i32 i64 f16 f32 f64
u8    u8  u8  i16 i16 i32 i64 f16 f32 f64
i8    i8  i16 i8  i16 i32 i64 f16 f32 f64
i16   i16 i16 i16 i16 i32 i64 f16 f32 f64
i32   i32 i32 i32 i32 i32 i64 f16 f32 f64
i64   i64 i64 i64 i64 i64 i64 f16 f32 f64
f16   f16 f16 f16 f16 f16 f16 f16 f32 f64
f32   f32 f32 f32 f32 f32 f32 f32 f32 f64
f64   f64 f64 f64 f64 f64 f64 f64 f64 f64
"""


def _table():
    lines = TABLE_ROWS.strip().splitlines()
    cols = lines[0].split()
    table = {}
    for line in lines[1:]:
        row, *cells = line.split()
        for col, cell in zip(cols, cells):
            table[SHORT[row], SHORT[col]] = SHORT[cell]
    return table


TABLE = _table()


def category(name: str) -> int:
    return 0 if name == "bool" else 2 if name.startswith("float") else 1


def promote_all(names):
    out = names[0]
    for n in names[1:]:
        out = TABLE[out, n]
    return out


def scalar_type(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    return ember.get_default_dtype().name


def expected_result_type(operands) -> str:
    """The documented rule: dimensioned tensors decide, unless a 0-d tensor, and then a Python
    scalar, is of a higher category; the higher-category group then decides among itself."""
    dims = [op.dtype.name for op in operands if isinstance(op, ember.Tensor) and op.ndim]
    zeros = [op.dtype.name for op in operands if isinstance(op, ember.Tensor) and not op.ndim]
    scalars = [scalar_type(op) for op in operands if not isinstance(op, ember.Tensor)]
    result = None
    for group in (dims, zeros, scalars):
        if not group:
            continue
        top = max(category(n) for n in group)
        if result is None or top > category(result):
            result = promote_all([n for n in group if category(n) == top])
    return result


@pytest.mark.parametrize("a", NAMES)
@pytest.mark.parametrize("b", NAMES)
def test_promote_types_matches_the_table(a, b):
    assert ember.promote_types(getattr(ember, a), getattr(ember, b)) is getattr(ember, TABLE[a, b])


def test_table_is_symmetric():
    assert all(TABLE[a, b] == TABLE[b, a] for a in NAMES for b in NAMES)


@pytest.mark.parametrize("src", NAMES)
@pytest.mark.parametrize("dst", NAMES)
def test_can_cast_allows_no_category_downgrade(src, dst):
    assert ember.can_cast(getattr(ember, src), getattr(ember, dst)) == (category(src) <= category(dst))


def operand_strategy():
    tensor = st.tuples(st.sampled_from(NAMES), st.booleans()).map(
        lambda spec: ember.ones(*((2,) if spec[1] else ()), dtype=getattr(ember, spec[0])))
    scalar = st.one_of(st.booleans(), st.integers(-3, 3), st.floats(-3, 3, allow_nan=False))
    return st.one_of(tensor, scalar)


@settings(max_examples=300, deadline=None)
@given(st.lists(operand_strategy(), min_size=1, max_size=4).filter(
    lambda ops: any(isinstance(op, ember.Tensor) for op in ops)))
def test_result_type_follows_the_documented_rules(operands):
    assert ember.result_type(*operands).name == expected_result_type(operands)


def test_documented_examples():
    float_tensor = ember.ones(1, dtype=ember.float32)
    double_tensor = ember.ones(1, dtype=ember.double)
    int_tensor = ember.ones(1, dtype=ember.int)
    long_tensor = ember.ones(1, dtype=ember.long)
    uint_tensor = ember.ones(1, dtype=ember.uint8)
    bool_tensor = ember.ones(1, dtype=ember.bool)
    long_zerodim = ember.tensor(1, dtype=ember.long)
    int_zerodim = ember.tensor(1, dtype=ember.int)
    assert (ember.tensor(5) + 5).dtype is ember.int64
    assert (int_tensor + 5).dtype is ember.int32
    assert (int_tensor + long_zerodim).dtype is ember.int32
    assert (long_tensor + int_tensor).dtype is ember.int64
    assert (bool_tensor + long_tensor).dtype is ember.int64
    assert (bool_tensor + uint_tensor).dtype is ember.uint8
    assert (float_tensor + double_tensor).dtype is ember.float64
    assert (bool_tensor + int_tensor).dtype is ember.int32
    assert ember.add(long_tensor, float_tensor).dtype is ember.float32
    assert (int_zerodim + long_zerodim).dtype is ember.int64
    assert (uint_tensor + int_zerodim).dtype is ember.uint8


def test_default_dtype_sets_the_type_of_float_scalars():
    ember.set_default_dtype(ember.float64)
    try:
        assert (ember.ones(2, dtype=ember.int32) * 1.5).dtype is ember.float64
        assert ember.result_type(ember.ones(2, dtype=ember.int32), 1.5) is ember.float64
        assert (ember.ones(2, dtype=ember.float16) * 1.5).dtype is ember.float16
    finally:
        ember.set_default_dtype(ember.float32)


BINARY_REFS = {"add": np.add, "mul": np.multiply, "maximum": np.maximum, "eq": np.equal}


@settings(max_examples=200, deadline=None)
@given(a=st.sampled_from(NAMES), b=st.sampled_from(NAMES), a_dims=st.booleans(), b_dims=st.booleans(),
       name=st.sampled_from(sorted(BINARY_REFS)), seed=st.integers(0, 2**16))
def test_ops_return_the_promoted_dtype_and_compute_in_it(a, b, a_dims, b_dims, name, seed):
    rng = np.random.default_rng(seed)

    def draw(dtype, dims):
        shape = (3,) if dims else ()
        values = rng.integers(0, 2, shape) if dtype == "bool" else rng.integers(-5, 6, shape)
        if dtype == "uint8":
            values = np.abs(values)
        return np.asarray(values).astype(dtype)

    x, y = draw(a, a_dims), draw(b, b_dims)
    tx, ty = ember.tensor(x), ember.tensor(y)
    out = getattr(ember, name)(tx, ty)
    promoted = expected_result_type([tx, ty])
    assert out.dtype.name == ("bool" if name == "eq" else promoted)
    expected = BINARY_REFS[name](x.astype(promoted), y.astype(promoted))
    np.testing.assert_array_equal(out.numpy(), expected)
