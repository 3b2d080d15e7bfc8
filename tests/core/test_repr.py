# ruff: noqa: E501  (literal strings printed by PyTorch)
"""repr of tensors against literal strings printed by PyTorch 2.13 (torch -> ember)."""

import pytest

import ember

# expression -> what PyTorch prints for the same expression
CASES = {
    'ember.tensor([1, 2, 3])': 'tensor([1, 2, 3])',
    'ember.arange(12).reshape(3, 4)': 'tensor([[ 0,  1,  2,  3],\n        [ 4,  5,  6,  7],\n        [ 8,  9, 10, 11]])',
    'ember.tensor([1.5, 2.25, -3.0])': 'tensor([ 1.5000,  2.2500, -3.0000])',
    'ember.tensor([[1., 2.], [3., 4.]])': 'tensor([[1., 2.],\n        [3., 4.]])',
    'ember.tensor(6.)': 'tensor(6.)',
    'ember.tensor(7)': 'tensor(7)',
    'ember.tensor([1e-5, 1.0])': 'tensor([1.0000e-05, 1.0000e+00])',
    'ember.tensor([1e9, 1.0])': 'tensor([1.0000e+09, 1.0000e+00])',
    'ember.tensor([1., 1e5])': 'tensor([1.0000e+00, 1.0000e+05])',
    "ember.tensor([float('nan'), float('inf'), -float('inf'), 1.0])": 'tensor([nan, inf, -inf, 1.])',
    "ember.tensor([float('nan'), 0.5])": 'tensor([   nan, 0.5000])',
    'ember.tensor([True, False])': 'tensor([ True, False])',
    'ember.tensor([1.5, 2.0], dtype=ember.float64)': 'tensor([1.5000, 2.0000], dtype=ember.float64)',
    'ember.tensor([1, 2], dtype=ember.int32)': 'tensor([1, 2], dtype=ember.int32)',
    'ember.tensor([[1, 200]], dtype=ember.uint8)': 'tensor([[  1, 200]], dtype=ember.uint8)',
    'ember.tensor([0.1, 2.5], dtype=ember.float16)': 'tensor([0.1000, 2.5000], dtype=ember.float16)',
    'ember.tensor([])': 'tensor([])',
    'ember.zeros(0, 3)': 'tensor([], size=(0, 3))',
    'ember.zeros(0, dtype=ember.int64)': 'tensor([], dtype=ember.int64)',
    'ember.zeros(2, 0, dtype=ember.int32)': 'tensor([], size=(2, 0), dtype=ember.int32)',
    'ember.arange(2000)': 'tensor([   0,    1,    2,  ..., 1997, 1998, 1999])',
    'ember.arange(2000.).reshape(40, 50) / 7': 'tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 6.7143e+00, 6.8571e+00,\n         7.0000e+00],\n        [7.1429e+00, 7.2857e+00, 7.4286e+00,  ..., 1.3857e+01, 1.4000e+01,\n         1.4143e+01],\n        [1.4286e+01, 1.4429e+01, 1.4571e+01,  ..., 2.1000e+01, 2.1143e+01,\n         2.1286e+01],\n        ...,\n        [2.6429e+02, 2.6443e+02, 2.6457e+02,  ..., 2.7100e+02, 2.7114e+02,\n         2.7129e+02],\n        [2.7143e+02, 2.7157e+02, 2.7171e+02,  ..., 2.7814e+02, 2.7829e+02,\n         2.7843e+02],\n        [2.7857e+02, 2.7871e+02, 2.7886e+02,  ..., 2.8529e+02, 2.8543e+02,\n         2.8557e+02]])',
    'ember.arange(3000).reshape(10, 15, 20)': 'tensor([[[   0,    1,    2,  ...,   17,   18,   19],\n         [  20,   21,   22,  ...,   37,   38,   39],\n         [  40,   41,   42,  ...,   57,   58,   59],\n         ...,\n         [ 240,  241,  242,  ...,  257,  258,  259],\n         [ 260,  261,  262,  ...,  277,  278,  279],\n         [ 280,  281,  282,  ...,  297,  298,  299]],\n\n        [[ 300,  301,  302,  ...,  317,  318,  319],\n         [ 320,  321,  322,  ...,  337,  338,  339],\n         [ 340,  341,  342,  ...,  357,  358,  359],\n         ...,\n         [ 540,  541,  542,  ...,  557,  558,  559],\n         [ 560,  561,  562,  ...,  577,  578,  579],\n         [ 580,  581,  582,  ...,  597,  598,  599]],\n\n        [[ 600,  601,  602,  ...,  617,  618,  619],\n         [ 620,  621,  622,  ...,  637,  638,  639],\n         [ 640,  641,  642,  ...,  657,  658,  659],\n         ...,\n         [ 840,  841,  842,  ...,  857,  858,  859],\n         [ 860,  861,  862,  ...,  877,  878,  879],\n         [ 880,  881,  882,  ...,  897,  898,  899]],\n\n        ...,\n\n        [[2100, 2101, 2102,  ..., 2117, 2118, 2119],\n         [2120, 2121, 2122,  ..., 2137, 2138, 2139],\n         [2140, 2141, 2142,  ..., 2157, 2158, 2159],\n         ...,\n         [2340, 2341, 2342,  ..., 2357, 2358, 2359],\n         [2360, 2361, 2362,  ..., 2377, 2378, 2379],\n         [2380, 2381, 2382,  ..., 2397, 2398, 2399]],\n\n        [[2400, 2401, 2402,  ..., 2417, 2418, 2419],\n         [2420, 2421, 2422,  ..., 2437, 2438, 2439],\n         [2440, 2441, 2442,  ..., 2457, 2458, 2459],\n         ...,\n         [2640, 2641, 2642,  ..., 2657, 2658, 2659],\n         [2660, 2661, 2662,  ..., 2677, 2678, 2679],\n         [2680, 2681, 2682,  ..., 2697, 2698, 2699]],\n\n        [[2700, 2701, 2702,  ..., 2717, 2718, 2719],\n         [2720, 2721, 2722,  ..., 2737, 2738, 2739],\n         [2740, 2741, 2742,  ..., 2757, 2758, 2759],\n         ...,\n         [2940, 2941, 2942,  ..., 2957, 2958, 2959],\n         [2960, 2961, 2962,  ..., 2977, 2978, 2979],\n         [2980, 2981, 2982,  ..., 2997, 2998, 2999]]])',
    'ember.arange(40.) / 3': 'tensor([ 0.0000,  0.3333,  0.6667,  1.0000,  1.3333,  1.6667,  2.0000,  2.3333,\n         2.6667,  3.0000,  3.3333,  3.6667,  4.0000,  4.3333,  4.6667,  5.0000,\n         5.3333,  5.6667,  6.0000,  6.3333,  6.6667,  7.0000,  7.3333,  7.6667,\n         8.0000,  8.3333,  8.6667,  9.0000,  9.3333,  9.6667, 10.0000, 10.3333,\n        10.6667, 11.0000, 11.3333, 11.6667, 12.0000, 12.3333, 12.6667, 13.0000])',
    'ember.zeros(2, 2, 2)': 'tensor([[[0., 0.],\n         [0., 0.]],\n\n        [[0., 0.],\n         [0., 0.]]])',
    'ember.tensor([-0.0, 0.0])': 'tensor([-0., 0.])',
    'ember.tensor([0., 0.])': 'tensor([0., 0.])',
    'ember.tensor([-123456789, 5])': 'tensor([-123456789,          5])',
    'ember.tensor(2.5, dtype=ember.float64)': 'tensor(2.5000, dtype=ember.float64)',
}


@pytest.mark.parametrize("expr", list(CASES))
def test_repr_matches_pytorch(expr):
    assert repr(eval(expr, {"ember": ember})) == CASES[expr]


def test_str_is_repr():
    t = ember.tensor([1.5, 2.0])
    assert str(t) == repr(t) == "tensor([1.5000, 2.0000])"


def test_printoptions_precision_and_sci_mode():
    try:
        ember.set_printoptions(precision=2)
        assert repr(ember.tensor([1.2345])) == "tensor([1.23])"
        ember.set_printoptions(sci_mode=True)
        assert repr(ember.tensor([1.5])) == "tensor([1.50e+00])"
    finally:
        ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.2345])) == "tensor([1.2345])"


def test_printoptions_threshold_and_edgeitems():
    try:
        ember.set_printoptions(threshold=5, edgeitems=2)
        assert repr(ember.arange(10)) == "tensor([0, 1,  ..., 8, 9])"
    finally:
        ember.set_printoptions(profile="default")


def test_unknown_profile_is_an_error():
    with pytest.raises(ValueError, match="Invalid printing profile"):
        ember.set_printoptions(profile="tiny")


def test_default_dtype_float64_shows_float32_suffix():
    try:
        ember.set_default_dtype(ember.float64)
        assert repr(ember.tensor([1.5])) == "tensor([1.5000])"
        assert repr(ember.tensor([1.5], dtype=ember.float32)) == "tensor([1.5000], dtype=ember.float32)"
    finally:
        ember.set_default_dtype(ember.float32)
