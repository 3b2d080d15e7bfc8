"""Random transforms: ember.manual_seed makes them reproducible; image and mask move together."""

import numpy as np
import pytest
from PIL import Image

import ember
import ember.vision.transforms as T
import ember.vision.transforms.functional as F

AUGMENT = T.Compose([
    T.RandomResizedCrop(64), T.RandomHorizontalFlip(), T.RandomVerticalFlip(), T.RandomRotation(20),
    T.RandomAffine(10, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=5), T.RandomPerspective(p=1.0),
    T.ColorJitter(0.4, 0.4, 0.4, 0.1), T.RandomGrayscale(0.5), T.GaussianBlur(3), T.RandomApply([T.RandomInvert()]),
    T.RandomChoice([T.RandomPosterize(4), T.RandomSolarize(128)]), T.RandomOrder([T.RandomAutocontrast()]),
    T.AutoAugment(), T.RandAugment(), T.TrivialAugmentWide(), T.ToTensor(), T.RandomErasing(),
])


def run(seed, img):
    ember.manual_seed(seed)
    return [AUGMENT(img).numpy() for _ in range(3)]


def test_manual_seed_makes_a_pipeline_reproducible(china):
    first, again, other = run(1, china), run(1, china), run(2, china)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))
    assert not np.array_equal(first[0], first[1])


def test_draws_come_from_embers_default_generator(china):
    ember.manual_seed(3)
    state = ember.get_rng_state()
    a = T.RandomResizedCrop(32)(china)
    ember.set_rng_state(state)
    b = T.RandomResizedCrop(32)(china)
    assert a.tobytes() == b.tobytes()


def test_random_crop_get_params_is_uniform_and_in_bounds(china):
    seen = {T.RandomCrop.get_params(china, (400, 600)) for _ in range(300)}
    tops = {s[0] for s in seen}
    lefts = {s[1] for s in seen}
    assert tops <= set(range(28)) and lefts <= set(range(41)) and len(tops) > 20 and len(lefts) > 30
    with pytest.raises(ValueError, match=r"Required crop size \(500, 500\) is larger than input image size"):
        T.RandomCrop.get_params(china, (500, 500))


def test_random_resized_crop_params_respect_scale_and_ratio(china):
    area = 640 * 427
    for _ in range(200):
        i, j, h, w = T.RandomResizedCrop.get_params(china, (0.2, 0.5), (0.75, 1.3333))
        assert 0 <= i <= 427 - h and 0 <= j <= 640 - w
        assert 0.18 <= h * w / area <= 0.52 and 0.7 <= w / h <= 1.4


def test_random_resized_crop_falls_back_to_centre_crop():
    tall = Image.new("RGB", (10, 100))
    assert T.RandomResizedCrop.get_params(tall, (1.0, 1.0), (1.0, 1.0)) == (45, 0, 10, 10)


def test_random_crop_padding_and_pad_if_needed(china):
    small = Image.new("RGB", (20, 10), (9, 9, 9))
    out = T.RandomCrop((30, 40), pad_if_needed=True, fill=1)(small)
    assert out.size == (40, 30)
    out = np.asarray(T.RandomCrop(12, padding=6)(Image.new("L", (4, 4), 200)))
    assert out.shape == (12, 12) and set(np.unique(out)) <= {0, 200}


def test_flip_probability_is_roughly_p(china):
    small = china.resize((8, 8))
    flipped = sum(T.RandomHorizontalFlip(0.3)(small).tobytes() != small.tobytes() for _ in range(1000))
    assert 240 < flipped < 360


def segmentation_pair():
    img = Image.new("RGB", (60, 40), (10, 20, 30))
    img.paste((250, 200, 150), (10, 5, 30, 25))
    mask = Image.new("L", (60, 40), 0)
    mask.paste(7, (10, 5, 30, 25))
    return img, mask


@pytest.mark.parametrize("transform", [
    T.RandomResizedCrop(32), T.RandomHorizontalFlip(1.0), T.RandomVerticalFlip(1.0), T.RandomCrop(20, padding=3),
    T.RandomRotation(30), T.RandomAffine(20, translate=(0.2, 0.2), scale=(0.7, 1.3), shear=10),
    T.RandomPerspective(0.5, p=1.0), T.Resize(25), T.CenterCrop(30), T.Pad(4),
    T.Compose([T.RandomResizedCrop(48, scale=(0.5, 1)), T.RandomHorizontalFlip(), T.RandomGrayscale(1.0)]),
], ids=lambda t: type(t).__name__)
def test_image_and_mask_get_the_same_geometry(transform):
    img, mask = segmentation_pair()
    for seed in range(5):
        ember.manual_seed(seed)
        out_img, out_mask = transform(img, mask)
        assert out_img.size == out_mask.size
        assert set(np.unique(np.asarray(out_mask))) <= {0, 7}  # nearest: class ids survive
        bright = np.asarray(out_img)[:, :, 0] > 200
        labelled = np.asarray(out_mask) == 7
        # the square and its label land on the same pixels (up to interpolation at the edges)
        assert (bright ^ labelled).sum() <= 0.08 * max(labelled.sum(), 1) + 2 * (out_img.size[0] + out_img.size[1])


def test_same_params_for_image_and_mask_as_for_image_alone(china):
    mask = Image.new("L", china.size, 1)
    ember.manual_seed(5)
    alone = T.RandomResizedCrop(50)(china)
    ember.manual_seed(5)
    paired, _ = T.RandomResizedCrop(50)(china, mask)
    assert alone.tobytes() == paired.tobytes()


def test_photometric_transforms_leave_the_mask_alone():
    img, mask = segmentation_pair()
    out_img, out_mask = T.ColorJitter(0.5, 0.5, 0.5, 0.2)(img, mask)
    assert out_mask is mask and out_img.tobytes() != img.tobytes()


def test_to_tensor_turns_masks_into_class_indices_and_labels_pass_through():
    img, mask = segmentation_pair()
    t_img, t_mask, label = T.Compose([T.RandomHorizontalFlip(1.0), T.ToTensor(),
                                      T.Normalize([0.5] * 3, [0.5] * 3)])(img, mask, 3)
    assert t_img.dtype == ember.float32 and t_mask.dtype == ember.int64 and label == 3
    assert tuple(t_mask.shape) == (40, 60) and t_mask.numpy().max() == 7
    np.testing.assert_array_equal(t_mask.numpy(), np.asarray(mask)[:, ::-1])


def test_tensor_masks_follow_tensor_images():
    img = ember.rand(3, 20, 30)
    mask = ember.from_numpy(np.arange(600, dtype=np.int64).reshape(1, 20, 30) % 5)
    ember.manual_seed(0)
    out_img, out_mask = T.RandomRotation((90, 90))(img, mask)
    np.testing.assert_array_equal(out_mask.numpy(), F.rotate(mask, 90.0).numpy())
    assert out_mask.dtype == ember.int64


def test_lambda_applies_to_the_image_only():
    img, mask = segmentation_pair()
    out_img, out_mask = T.Lambda(lambda x: x.rotate(90))(img, mask)
    assert out_mask is mask and out_img.tobytes() == img.rotate(90).tobytes()
