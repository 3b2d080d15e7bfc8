"""Datasets: ``ember.vision.datasets`` (``torchvision.datasets``)."""

from ember.vision.datasets.cifar import CIFAR10, CIFAR100
from ember.vision.datasets.digits import Digits
from ember.vision.datasets.fakedata import FakeData
from ember.vision.datasets.folder import DatasetFolder, ImageFolder, default_loader, pil_loader
from ember.vision.datasets.mnist import MNIST, FashionMNIST
from ember.vision.datasets.vision import StandardTransform, VisionDataset

__all__ = ["VisionDataset", "StandardTransform", "DatasetFolder", "ImageFolder", "default_loader", "pil_loader",
           "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "FakeData", "Digits"]
