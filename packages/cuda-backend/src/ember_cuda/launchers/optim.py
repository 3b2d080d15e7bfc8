"""``optim.cu``: the SGD and Adam/AdamW updates, in place over one parameter's contiguous elements.

ember-nn's optimizers call ``sgd_step``/``adam_step`` with flat contiguous views of the parameter,
its gradient and its state (``run_update``); a layout they cannot flatten goes to their host path.
"""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher


def optim_kernels(backend, launcher: Launcher, fallback) -> dict:

    def usable(arrays) -> bool:
        first = arrays[0]
        return all(isinstance(a, DeviceArray) and a.dtype == first.dtype and a.device == first.device
                   and a.size == first.size and a.is_contiguous() for a in arrays)

    def sgd_step(p, g, buf, first, lr, momentum, dampening, weight_decay, nesterov, maximize):
        kernel = launcher.function("optim", "sgd_step", p.dtype, p.device) if usable((p, g, buf)) else None
        if kernel is None:
            return fallback("sgd_step")(p, g, buf, first, lr, momentum, dampening, weight_decay, nesterov, maximize)
        launcher.launch(kernel, p.size, np.int64(p.size), p.pointer, g.pointer, buf.pointer, np.float64(lr),
                        np.float64(momentum), np.float64(dampening), np.float64(weight_decay), np.int32(nesterov),
                        np.int32(maximize), np.int32(first), index=p.device)

    def adam_step(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled):
        kernel = launcher.function("optim", "adam_step", p.dtype, p.device) if usable((p, g, m, v, vmax)) else None
        if kernel is None:
            return fallback("adam_step")(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, amsgrad,
                                         maximize, decoupled)
        launcher.launch(kernel, p.size, np.int64(p.size), p.pointer, g.pointer, m.pointer, v.pointer, vmax.pointer,
                        np.float64(lr), np.float64(beta1), np.float64(beta2), np.float64(eps),
                        np.float64(weight_decay), np.float64(1 - beta1 ** step), np.float64(1 - beta2 ** step),
                        np.int32(amsgrad), np.int32(maximize), np.int32(decoupled), index=p.device)

    return {"sgd_step": sgd_step, "adam_step": adam_step}
