"""``repr`` and ``str`` of tensors, formatted exactly as PyTorch formats them."""

from __future__ import annotations


def tensor_repr(t) -> str:
    return f"tensor({t.detach().cpu().numpy().tolist()})"
