"""The main job: train a small CNN on scikit-learn's bundled 8x8 handwritten digits.

A PyTorch script with ``torch`` renamed to ``ember``: a DataLoader with worker processes,
a tqdm progress bar, validation accuracy each epoch, a TensorBoard log, and a checkpoint
it resumes from (run it twice: the second run continues where the first stopped).

    python examples/train_digits.py --epochs 12 --out runs/digits
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.utils.data import DataLoader, TensorDataset, random_split
from ember.utils.tensorboard import SummaryWriter


class DigitNet(nn.Module):
    """Two 3x3 convolutions, max pooling, dropout and two linear layers: 1x8x8 -> 10 classes."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(64)
        self.pool = nn.MaxPool2d(2)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = self.dropout(ember.flatten(x, 1))
        return self.fc2(self.dropout(F.relu(self.fc1(x))))


def digits_splits(seed: int):
    """Train/validation/test splits of the 1,797 bundled digits, scaled to [0, 1]."""
    digits = load_digits()
    images = ember.tensor((digits.images / 16.0).astype(np.float32)).unsqueeze(1)
    labels = ember.tensor(digits.target)
    data = TensorDataset(images, labels)
    return random_split(data, [0.7, 0.1, 0.2], generator=ember.Generator().manual_seed(seed))


def evaluate(model, loader) -> float:
    """Accuracy of ``model`` on ``loader``."""
    model.eval()
    correct = total = 0
    with ember.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            total += y.shape[0]
    return correct / total


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/digits", help="checkpoint and TensorBoard directory")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    ember.manual_seed(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    train_set, val_set, test_set = digits_splits(args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True, num_workers=args.workers,
                              generator=ember.Generator().manual_seed(args.seed), persistent_workers=args.workers > 0)
    val_loader = DataLoader(val_set, batch_size=256)
    test_loader = DataLoader(test_set, batch_size=256)

    model = DigitNet()
    optimizer = ember.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)

    checkpoint = out / "checkpoint.pth"
    start = 0
    if checkpoint.exists():
        state = ember.load(checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start = state["epoch"] + 1
        print(f"resuming from {checkpoint} after epoch {state['epoch'] + 1}")

    writer = SummaryWriter(out / "tensorboard")
    step = start * len(train_loader)
    for epoch in range(start, args.epochs):
        model.train()
        bar = tqdm(train_loader, desc=f"epoch {epoch + 1}/{args.epochs}", disable=args.quiet, leave=False)
        for x, y in bar:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            writer.add_scalar("loss/train", loss.item(), step)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            step += 1
        scheduler.step()
        val_acc = evaluate(model, val_loader)
        writer.add_scalar("accuracy/validation", val_acc, epoch)
        print(f"epoch {epoch + 1:2d}: validation accuracy {val_acc:.4f}")
        ember.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                    "scheduler": scheduler.state_dict(), "epoch": epoch}, checkpoint)

    test_acc = evaluate(model, test_loader)
    writer.add_scalar("accuracy/test", test_acc, args.epochs)
    writer.close()
    print(f"test accuracy {test_acc:.4f}")
    return test_acc


if __name__ == "__main__":
    main()
