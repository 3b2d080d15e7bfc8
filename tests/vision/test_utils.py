"""make_grid and save_image, checked by hand."""

import numpy as np
import pytest
from PIL import Image

import ember
from ember.vision.utils import make_grid, save_image


def test_make_grid_layout_by_hand():
    batch = ember.from_numpy(np.arange(5, dtype=np.float32).reshape(5, 1, 1, 1) + 1)
    grid = make_grid(batch, nrow=3, padding=1, pad_value=-1).numpy()
    assert grid.shape == (3, 5, 7)  # 2 rows x 3 cols of 1x1 images, padding 1
    expect = np.full((5, 7), -1.0, np.float32)
    for k in range(5):
        y, x = divmod(k, 3)
        expect[1 + 2 * y, 1 + 2 * x] = k + 1
    np.testing.assert_array_equal(grid[0], expect)
    np.testing.assert_array_equal(grid[0], grid[2])  # 1 channel repeated to 3


def test_make_grid_shapes_and_lists():
    assert tuple(make_grid(ember.rand(10, 3, 32, 32), nrow=5).shape) == (3, 70, 172)
    single = ember.rand(3, 4, 4)
    np.testing.assert_array_equal(make_grid(single).numpy(), single.numpy())
    assert tuple(make_grid([ember.rand(3, 4, 4)] * 2, padding=0).shape) == (3, 4, 8)
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        make_grid([np.zeros((3, 2, 2))])


def test_make_grid_normalize():
    batch = ember.from_numpy(np.array([0.0, 2.0, 4.0], np.float32).reshape(3, 1, 1, 1))
    grid = make_grid(batch, normalize=True, padding=0).numpy()[0, 0]
    np.testing.assert_allclose(grid, [0.0, 0.5, 1.0])
    each = make_grid(batch, normalize=True, scale_each=True, padding=0).numpy()[0, 0]
    np.testing.assert_allclose(each, [0.0, 0.0, 0.0])
    ranged = make_grid(batch, normalize=True, value_range=(0.0, 2.0), padding=0).numpy()[0, 0]
    np.testing.assert_allclose(ranged, [0.0, 1.0, 1.0])
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(batch, normalize=True, value_range=[0, 1])


def test_save_image_rounds_to_uint8(tmp_path):
    x = ember.from_numpy(np.array([0.0, 0.5, 1.0, 1.5], np.float32).reshape(1, 1, 4))
    save_image(x, tmp_path / "x.png")
    assert np.asarray(Image.open(tmp_path / "x.png"))[0, :, 0].tolist() == [0, 128, 255, 255]
    save_image(ember.rand(4, 3, 8, 8), tmp_path / "grid.png", nrow=2)
    assert Image.open(tmp_path / "grid.png").size == (22, 22)
