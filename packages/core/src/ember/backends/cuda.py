"""``ember.backends.cuda``: PyTorch's CUDA switches (``matmul.allow_tf32``, the attention kernels).

The flags exist so programs that set them run; the CUDA backend (ember-cuda) reads them to
choose its algorithms. ``matmul.allow_tf32`` is the same switch as
``ember.set_float32_matmul_precision``: True means ``"high"``, False ``"highest"``.
"""

from __future__ import annotations

from ember import algorithm_flags
from ember.backends.registry import registry

__all__ = [
    "is_built", "matmul", "flash_sdp_enabled", "enable_flash_sdp", "mem_efficient_sdp_enabled",
    "enable_mem_efficient_sdp", "math_sdp_enabled", "enable_math_sdp", "cudnn_sdp_enabled",
    "enable_cudnn_sdp",
]


def is_built() -> bool:
    """True if the CUDA backend (ember-cuda) is installed; it may still find no GPU."""
    return registry.find("cuda") is not None


class _Matmul:
    """``ember.backends.cuda.matmul``: how CUDA float32/float16 matrix products may round."""

    _FLAGS = ("allow_tf32", "allow_fp16_reduced_precision_reduction", "allow_bf16_reduced_precision_reduction")

    def __init__(self) -> None:
        object.__setattr__(self, "allow_fp16_reduced_precision_reduction", True)
        object.__setattr__(self, "allow_bf16_reduced_precision_reduction", True)

    @property
    def allow_tf32(self) -> bool:
        """Let float32 products use TF32 (``get_float32_matmul_precision() != "highest"``)."""
        return algorithm_flags.get_float32_matmul_precision() != "highest"

    def __setattr__(self, name: str, value) -> None:
        if name not in self._FLAGS:
            raise AttributeError(f"Unknown attribute {name}")
        if not isinstance(value, bool):
            raise RuntimeError(f"set_{name}_cublas expects a bool, but got {type(value).__name__}")
        if name == "allow_tf32":
            algorithm_flags.set_float32_matmul_precision("high" if value else "highest")
        else:
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return "ember.backends.cuda.matmul(" + ", ".join(f"{f}={getattr(self, f)}" for f in self._FLAGS) + ")"


matmul = _Matmul()

_sdp = {"flash": True, "mem_efficient": True, "math": True, "cudnn": True}


def _enable(kind: str, enabled: bool) -> None:
    if not isinstance(enabled, bool):
        raise TypeError(f"enable_{kind}_sdp() expects a bool, but got {type(enabled).__name__}")
    _sdp[kind] = enabled


def flash_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use a flash-attention kernel."""
    return _sdp["flash"]


def enable_flash_sdp(enabled: bool) -> None:
    """Allow or forbid flash-attention kernels in scaled_dot_product_attention."""
    _enable("flash", enabled)


def mem_efficient_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use a memory-efficient kernel."""
    return _sdp["mem_efficient"]


def enable_mem_efficient_sdp(enabled: bool) -> None:
    """Allow or forbid memory-efficient kernels in scaled_dot_product_attention."""
    _enable("mem_efficient", enabled)


def math_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use its composite (math) implementation."""
    return _sdp["math"]


def enable_math_sdp(enabled: bool) -> None:
    """Allow or forbid the composite (math) implementation of scaled_dot_product_attention."""
    _enable("math", enabled)


def cudnn_sdp_enabled() -> bool:
    """Whether scaled_dot_product_attention may use a cuDNN kernel."""
    return _sdp["cudnn"]


def enable_cudnn_sdp(enabled: bool) -> None:
    """Allow or forbid cuDNN kernels in scaled_dot_product_attention."""
    _enable("cudnn", enabled)

