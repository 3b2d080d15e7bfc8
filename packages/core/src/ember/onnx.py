"""``ember.onnx``: exporting models to ONNX is not supported by ember.

The module exists so that programs which import it, check ``is_in_onnx_export()`` in a
model's ``forward`` or catch ``OnnxExporterError`` run unchanged; ``export`` itself raises
``NotImplementedError``. To deploy an ember model, save its ``state_dict`` with ``ember.save``
(PyTorch's file format) and export it from PyTorch, which reads that file.
"""

from __future__ import annotations

__all__ = ["export", "is_in_onnx_export", "OnnxExporterError"]


class OnnxExporterError(RuntimeError):
    """An error during ONNX export (kept for ``except`` clauses; ember never exports)."""


def is_in_onnx_export() -> bool:
    """False: ember never traces a model for ONNX export."""
    return False


def export(model, args=(), f=None, **kwargs):
    """Not supported: ember cannot export models to ONNX.

    Raises:
        NotImplementedError: always, saying what to do instead.
    """
    raise NotImplementedError(
        "ember.onnx.export is not supported: ember has no ONNX exporter. Save the weights with "
        "ember.save(model.state_dict(), 'model.pt') (PyTorch's checkpoint format), load them into the same "
        "model written with torch, and export it with torch.onnx.export.")
