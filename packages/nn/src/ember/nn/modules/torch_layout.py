"""PyTorch's file layout for the layers ember defines in files of its own: ``torch.nn.modules.conv.Conv3d``
is ``ember.nn.modules.conv.Conv3d``, the same class as ``ember.nn.Conv3d``. ``place()`` runs once, from
``ember.nn.modules``, after every file is imported (the files named here belong to other concerns, so the
names are attached rather than imported there)."""

from __future__ import annotations

import importlib

# PyTorch's file -> (ember's file, names)
LAYOUT = {
    "activation": ("rrelu", ["RReLU", "Softmax2d"]),
    "batchnorm": ("batchnorm3d", ["BatchNorm3d"]),
    "conv": ("conv3d", ["Conv3d", "ConvTranspose3d"]),
    "dropout": ("dropout3d", ["Dropout3d", "FeatureAlphaDropout"]),
    "instancenorm": ("batchnorm3d", ["InstanceNorm3d"]),
    "loss": ("margin_loss", ["MultiMarginLoss", "MultiLabelMarginLoss", "TripletMarginWithDistanceLoss"]),
    "normalization": ("rms_norm", ["RMSNorm"]),
    "padding": ("padding3d", ["CircularPad3d", "ConstantPad3d", "ReflectionPad3d", "ReplicationPad3d", "ZeroPad3d"]),
    "pooling": ("pooling3d", ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "AvgPool3d", "LPPool3d", "MaxPool3d"]),
    "sparse": ("embedding_bag", ["EmbeddingBag"]),
}
LAZY = {
    "batchnorm": ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d"],
    "conv": ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
             "LazyConvTranspose3d"],
    "instancenorm": ["LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"],
    "linear": ["LazyLinear"],
}
EXTRA = {
    "loss": ("ctc_loss", ["CTCLoss"]),
    "pooling": ("unpooling", ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]),
}
FRACTIONAL = {"pooling": ("fractional_pooling", ["FractionalMaxPool2d", "FractionalMaxPool3d"])}


def place() -> None:
    tables = [LAYOUT, {f: ("lazy", names) for f, names in LAZY.items()}, EXTRA, FRACTIONAL]
    for table in tables:
        for torch_file, (ember_file, names) in table.items():
            target = importlib.import_module(f"ember.nn.modules.{torch_file}")
            source = importlib.import_module(f"ember.nn.modules.{ember_file}")
            for name in names:
                setattr(target, name, getattr(source, name))
