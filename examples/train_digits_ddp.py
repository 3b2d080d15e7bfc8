"""The main job on several processes: the digits CNN of ``train_digits.py`` under DistributedDataParallel.

Each rank trains on its share of every epoch (``DistributedSampler``) with the batch size divided
among the ranks, so one step sees the same global batch as the single-process job; rank 0 writes
the checkpoint and every rank resumes from it.

    mpirun -n 2 --oversubscribe python examples/train_digits_ddp.py --epochs 12 --out runs/digits-ddp
    python -m ember.distributed.run --nproc-per-node 2 examples/train_digits_ddp.py --epochs 12
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import ember
import ember.distributed as dist
import ember.nn as nn
from ember.nn.parallel import DistributedDataParallel
from ember.utils.data import DataLoader, DistributedSampler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_digits import DigitNet, digits_splits, evaluate  # noqa: E402  (the single-process job's model and data)


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64, help="global batch size, shared among the ranks")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/digits-ddp", help="checkpoint directory")
    args = parser.parse_args(argv)

    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    ember.manual_seed(args.seed + rank)  # dropout differs per rank; the weights come from rank 0
    out = Path(args.out)
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    train_set, val_set, test_set = digits_splits(args.seed)
    sampler = DistributedSampler(train_set, seed=args.seed)
    train_loader = DataLoader(train_set, batch_size=max(1, args.batch_size // world), sampler=sampler)
    val_loader = DataLoader(val_set, batch_size=256)
    test_loader = DataLoader(test_set, batch_size=256)

    model = DistributedDataParallel(DigitNet())
    optimizer = ember.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = ember.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)

    checkpoint = out / "checkpoint.pth"
    start = 0
    dist.barrier()
    if checkpoint.exists():  # every rank reads rank 0's checkpoint
        state = ember.load(checkpoint)
        model.module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        start = state["epoch"] + 1
        if rank == 0:
            print(f"resuming from {checkpoint} after epoch {start}", flush=True)

    for epoch in range(start, args.epochs):
        sampler.set_epoch(epoch)
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        scheduler.step()
        if rank == 0:
            val_acc = evaluate(model.module, val_loader)
            print(f"epoch {epoch + 1:2d}: validation accuracy {val_acc:.4f}", flush=True)
            ember.save({"model": model.module.state_dict(), "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "epoch": epoch}, checkpoint)
        dist.barrier()  # the checkpoint is complete before anyone goes on

    test_acc = evaluate(model.module, test_loader)
    if rank == 0:
        print(f"test accuracy {test_acc:.4f} on {world} ranks", flush=True)
    dist.destroy_process_group()
    return test_acc


if __name__ == "__main__":
    main()
