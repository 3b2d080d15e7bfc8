"""Every transform's repr is torchvision's, character for character."""

import pytest

import ember
import ember.vision.transforms as T

CASES = [
    (T.Compose([T.ToTensor(), T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])]),
     "Compose(\n    ToTensor()\n    Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])\n)"),
    (T.ToTensor(), "ToTensor()"),
    (T.PILToTensor(), "PILToTensor()"),
    (T.ToPILImage(), "ToPILImage()"),
    (T.ToPILImage(mode="RGB"), "ToPILImage(mode=RGB)"),
    (T.ConvertImageDtype(ember.float32), "ConvertImageDtype()"),
    (T.Normalize((0.5,), (0.5,)), "Normalize(mean=(0.5,), std=(0.5,))"),
    (T.Resize(256), "Resize(size=256, interpolation=bilinear, max_size=None, antialias=True)"),
    (T.Resize((32, 48), interpolation=T.InterpolationMode.NEAREST, max_size=None, antialias=False),
     "Resize(size=(32, 48), interpolation=nearest, max_size=None, antialias=False)"),
    (T.CenterCrop(224), "CenterCrop(size=(224, 224))"),
    (T.CenterCrop([10, 20]), "CenterCrop(size=[10, 20])"),
    (T.RandomCrop(32, padding=4), "RandomCrop(size=(32, 32), padding=4)"),
    (T.RandomResizedCrop(224),
     "RandomResizedCrop(size=(224, 224), scale=(0.08, 1.0), ratio=(0.75, 1.3333), interpolation=bilinear, "
     "antialias=True)"),
    (T.FiveCrop(10), "FiveCrop(size=(10, 10))"),
    (T.TenCrop(10, vertical_flip=True), "TenCrop(size=(10, 10), vertical_flip=True)"),
    (T.Pad(2), "Pad(padding=2, fill=0, padding_mode=constant)"),
    (T.Pad([1, 2], fill=(1, 2, 3), padding_mode="reflect"),
     "Pad(padding=[1, 2], fill=(1, 2, 3), padding_mode=reflect)"),
    (T.RandomHorizontalFlip(), "RandomHorizontalFlip(p=0.5)"),
    (T.RandomVerticalFlip(p=0.3), "RandomVerticalFlip(p=0.3)"),
    (T.RandomRotation(30), "RandomRotation(degrees=[-30.0, 30.0], interpolation=nearest, expand=False, fill=0)"),
    (T.RandomRotation((0, 90), center=(1, 2), expand=True),
     "RandomRotation(degrees=[0.0, 90.0], interpolation=nearest, expand=True, center=(1, 2), fill=0)"),
    (T.RandomAffine(10), "RandomAffine(degrees=[-10.0, 10.0])"),
    (T.RandomAffine(0, translate=(0.1, 0.2), scale=(0.9, 1.1), shear=5, interpolation=T.InterpolationMode.BILINEAR,
                    fill=3),
     "RandomAffine(degrees=[0.0, 0.0], translate=(0.1, 0.2), scale=(0.9, 1.1), shear=[-5.0, 5.0], "
     "interpolation=bilinear, fill=3)"),
    (T.RandomPerspective(), "RandomPerspective(p=0.5)"),
    (T.ColorJitter(), "ColorJitter(brightness=None, contrast=None, saturation=None, hue=None)"),
    (T.ColorJitter(0.4, 0.4, 0.4, 0.1),
     "ColorJitter(brightness=(0.6, 1.4), contrast=(0.6, 1.4), saturation=(0.6, 1.4), hue=(-0.1, 0.1))"),
    (T.Grayscale(), "Grayscale(num_output_channels=1)"),
    (T.RandomGrayscale(), "RandomGrayscale(p=0.1)"),
    (T.GaussianBlur(3), "GaussianBlur(kernel_size=(3, 3), sigma=(0.1, 2.0))"),
    (T.GaussianBlur((3, 5), sigma=1.0), "GaussianBlur(kernel_size=(3, 5), sigma=(1.0, 1.0))"),
    (T.RandomErasing(), "RandomErasing(p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace=False)"),
    (T.Lambda(lambda x: x), "Lambda()"),
    (T.RandomApply([T.Grayscale()], p=0.3), "RandomApply(\n    p=0.3\n    Grayscale(num_output_channels=1)\n)"),
    (T.RandomChoice([T.RandomInvert(), T.RandomEqualize()]),
     "RandomChoice(\n    RandomInvert(p=0.5)\n    RandomEqualize(p=0.5)\n)(p=None)"),
    (T.RandomOrder([T.RandomAutocontrast()]), "RandomOrder(\n    RandomAutocontrast(p=0.5)\n)"),
    (T.RandomPosterize(4), "RandomPosterize(bits=4,p=0.5)"),
    (T.RandomSolarize(128, p=0.2), "RandomSolarize(threshold=128,p=0.2)"),
    (T.RandomAdjustSharpness(2), "RandomAdjustSharpness(sharpness_factor=2,p=0.5)"),
    (T.AutoAugment(), "AutoAugment(policy=AutoAugmentPolicy.IMAGENET, fill=None)"),
    (T.AutoAugment(T.AutoAugmentPolicy.CIFAR10, fill=[1, 2, 3]),
     "AutoAugment(policy=AutoAugmentPolicy.CIFAR10, fill=[1, 2, 3])"),
    (T.RandAugment(),
     "RandAugment(num_ops=2, magnitude=9, num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None)"),
    (T.TrivialAugmentWide(),
     "TrivialAugmentWide(num_magnitude_bins=31, interpolation=InterpolationMode.NEAREST, fill=None)"),
]


@pytest.mark.parametrize("transform,expected", CASES, ids=[c[1].split("(")[0] for c in CASES])
def test_repr(transform, expected):
    assert repr(transform) == expected


def test_constructor_errors_use_torchvision_messages():
    with pytest.raises(ValueError, match="If degrees is a single number, it must be positive."):
        T.RandomRotation(-1)
    with pytest.raises(ValueError, match="brightness values should be between"):
        T.ColorJitter(brightness=(-1, 2))
    with pytest.raises(ValueError, match="Kernel size value should be an odd and positive number."):
        T.GaussianBlur(4)
    with pytest.raises(ValueError, match="Padding mode should be either constant, edge, reflect or symmetric"):
        T.Pad(1, padding_mode="wrap")
    with pytest.raises(ValueError, match="Random erasing probability should be between 0 and 1"):
        T.RandomErasing(p=2)
    with pytest.raises(TypeError, match="Argument lambd should be callable, got 'int'"):
        T.Lambda(3)
    with pytest.raises(TypeError, match="Argument interpolation should be a InterpolationMode"):
        T.Resize(3, interpolation="bilinear")
    with pytest.raises(ValueError, match="If size is a sequence, it should have 1 or 2 values"):
        T.Resize((1, 2, 3))
