"""``SummaryWriter``: PyTorch's TensorBoard writer API, taking ember tensors."""

from __future__ import annotations

import numpy as np

from ember import _core

try:
    import tensorboardX
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto
except ImportError as err:  # an optional extra of ember-nn
    raise ImportError("ember.utils.tensorboard needs tensorboardX: pip install 'ember-nn[tensorboard]'") from err


def _plain(value):
    """Ember tensors become NumPy arrays (or Python numbers for one-element scalars)."""
    if isinstance(value, _core.TensorBase):
        array = np.asarray(value.detach().cpu().numpy())
        return array.item() if array.ndim == 0 else array
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and any(isinstance(v, _core.TensorBase) for v in value):
        return type(value)(_plain(v) for v in value)
    return value


class SummaryWriter:
    """Writes scalars, histograms, images and text to event files that TensorBoard reads.

    Args:
        log_dir: the run's directory (default ``runs/CURRENT_DATETIME_HOSTNAME``).
        comment: suffix of the default ``log_dir``.
        purge_step, max_queue, flush_secs, filename_suffix: as in PyTorch.

    Example::

        >>> writer = SummaryWriter("runs/exp1")
        >>> writer.add_scalar("loss/train", loss.item(), step)
        >>> writer.close()
    """

    def __init__(self, log_dir=None, comment: str = "", purge_step=None, max_queue: int = 10,
                 flush_secs: int = 120, filename_suffix: str = "") -> None:
        self._writer = tensorboardX.SummaryWriter(logdir=None if log_dir is None else str(log_dir), comment=comment,
                                                  purge_step=purge_step, max_queue=max_queue,
                                                  flush_secs=flush_secs, filename_suffix=filename_suffix)
        self.log_dir = self._writer.logdir

    def get_logdir(self) -> str:
        return self.log_dir

    def add_scalar(self, tag: str, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False) -> None:
        """Record one number, e.g. the loss, at ``global_step``.

        ``new_style=True`` writes it as a tensor for TensorBoard's scalars plugin (in float64 with
        ``double_precision=True``) instead of the classic ``simple_value``, as PyTorch does.
        """
        value = _plain(scalar_value)
        if not new_style:
            self._writer.add_scalar(tag, value, global_step, walltime)
            return
        tensor = TensorProto(double_val=[float(value)], dtype="DT_DOUBLE") if double_precision else \
            TensorProto(float_val=[float(value)], dtype="DT_FLOAT")
        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        summary = Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])
        self._writer._get_file_writer().add_summary(summary, global_step, walltime)

    def add_scalars(self, main_tag: str, tag_scalar_dict: dict, global_step=None, walltime=None) -> None:
        """Record several related numbers under ``main_tag`` (one sub-run each)."""
        self._writer.add_scalars(main_tag, _plain(tag_scalar_dict), global_step, walltime)

    def add_histogram(self, tag: str, values, global_step=None, bins="tensorflow", walltime=None,
                      max_bins=None) -> None:
        """Record the distribution of ``values`` (e.g. a layer's weights)."""
        self._writer.add_histogram(tag, np.asarray(_plain(values), dtype=np.float64), global_step, bins, walltime,
                                   max_bins)

    def add_image(self, tag: str, img_tensor, global_step=None, walltime=None, dataformats: str = "CHW") -> None:
        """Record an image: float values in [0, 1] or uint8 in [0, 255], laid out as ``dataformats``."""
        self._writer.add_image(tag, np.asarray(_plain(img_tensor)), global_step, walltime, dataformats)

    def add_images(self, tag: str, img_tensor, global_step=None, walltime=None, dataformats: str = "NCHW") -> None:
        """Record a batch of images as one grid."""
        self._writer.add_images(tag, np.asarray(_plain(img_tensor)), global_step, walltime, dataformats)

    def add_text(self, tag: str, text_string: str, global_step=None, walltime=None) -> None:
        self._writer.add_text(tag, text_string, global_step, walltime)

    def add_hparams(self, hparam_dict: dict, metric_dict: dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None) -> None:
        """Record a run's hyper-parameters with its final metrics."""
        self._writer.add_hparams(_plain(hparam_dict), _plain(metric_dict), hparam_domain_discrete, run_name,
                                 global_step)

    def flush(self) -> None:
        """Write pending events to disk."""
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
