"""ember: tensors on devices, with PyTorch's API. ``import ember`` replaces ``import torch``."""

# ember is one import package spread over several distributions (ember-nn ships ember.nn).
__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__version__ = "0.1.0"

from ember import _core, dtypes  # noqa: E402
from ember._core import device  # noqa: E402
from ember._tensor import Tensor  # noqa: E402
from ember._tensor_str import get_printoptions, set_printoptions  # noqa: E402
from ember.dtypes import (  # noqa: E402
    bool,
    can_cast,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    result_type,
    set_default_dtype,
    short,
    uint8,
)
from ember.layout import layout, sparse_coo, strided  # noqa: E402
from ember.legacy_tensor_types import (  # noqa: E402
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from ember.serialization import load, load_file, save, save_file  # noqa: E402
from ember.size import Size  # noqa: E402

_core._setup(Tensor, Size, dtypes._BY_NUMPY, dtypes.float32, dtypes.result_type)

from math import e, inf, nan, pi  # noqa: E402  (torch.e, torch.pi, torch.inf, torch.nan)

from ember import accelerator, amp, backends, cuda, fft, linalg, special  # noqa: E402
from ember.algorithm_flags import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_deterministic_debug_mode,
    get_float32_matmul_precision,
    is_deterministic_algorithms_warn_only_enabled,
    set_deterministic_debug_mode,
    set_float32_matmul_precision,
    use_deterministic_algorithms,
)
from ember.amp import autocast, is_autocast_available  # noqa: E402
from ember.amp.state import *  # noqa: E402,F403
from ember.anomaly import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_anomaly_enabled  # noqa: E402
from ember.grad_mode import (  # noqa: E402
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from ember.num_threads import get_num_threads, set_num_threads  # noqa: E402
from ember.numeric_info import finfo, iinfo  # noqa: E402
from ember.ops import return_types  # noqa: E402
from ember.ops.activation import *  # noqa: E402,F403
from ember.ops.broadcasting import *  # noqa: E402,F403
from ember.ops.closeness import *  # noqa: E402,F403
from ember.ops.construction import (  # noqa: E402
    asarray,
    clone,
    detach,
    empty_permuted,
    empty_strided,
    fill,
    frobenius_norm,
    frombuffer,
    nuclear_norm,
    rsub,
)
from ember.ops.construction import range as range  # noqa: E402,A004  (torch.range, deprecated)
from ember.ops.creation import *  # noqa: E402,F403
from ember.ops.diagonals import *  # noqa: E402,F403
from ember.ops.factorizations import *  # noqa: E402,F403
from ember.ops.float_math import *  # noqa: E402,F403
from ember.ops.gradient import *  # noqa: E402,F403
from ember.ops.grids import *  # noqa: E402,F403
from ember.ops.hyperbolic import *  # noqa: E402,F403
from ember.ops.indexing import *  # noqa: E402,F403
from ember.ops.linalg import *  # noqa: E402,F403
from ember.ops.linalg_classic import (  # noqa: E402
    addbmm,
    addmv,
    addr,
    chain_matmul,
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    cross,
    inner,
    kron,
    pinverse,
    qr,
    svd,
    tensordot,
    trace,
    vdot,
)
from ember.ops.linalg_decomp import det, logdet, lu_unpack, matrix_exp, matrix_power, slogdet  # noqa: E402
from ember.ops.linalg_decomp import inv as inverse  # noqa: E402
from ember.ops.nn_entry import *  # noqa: E402,F403
from ember.ops.nn_ops import *  # noqa: E402,F403
from ember.ops.pointwise import *  # noqa: E402,F403
from ember.ops.random import (  # noqa: E402
    bernoulli,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
)
from ember.ops.random_fill import *  # noqa: E402,F403
from ember.ops.recurrent_cells import *  # noqa: E402,F403
from ember.ops.reduction import *  # noqa: E402,F403
from ember.ops.scattering import *  # noqa: E402,F403
from ember.ops.searching import *  # noqa: E402,F403
from ember.ops.sequences import *  # noqa: E402,F403
from ember.ops.shape import *  # noqa: E402,F403
from ember.ops.sorting import *  # noqa: E402,F403
from ember.ops.sparse_entry import sparse_coo_tensor, spmm  # noqa: E402
from ember.ops.special import erfc, erfinv, i0, logit, sinc  # noqa: E402
from ember.ops.special import gammainc as igamma  # noqa: E402
from ember.ops.special import gammaincc as igammac  # noqa: E402
from ember.ops.special import multigammaln as mvlgamma  # noqa: E402
from ember.ops.splitting import *  # noqa: E402,F403
from ember.ops.statistics import *  # noqa: E402,F403
from ember.ops.strided import *  # noqa: E402,F403
from ember.ops.tensor_info import *  # noqa: E402,F403
from ember.random import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from ember.runtime_settings import *  # noqa: E402,F403
from ember.runtime_settings import channels_last, channels_last_3d, contiguous_format, preserve_format  # noqa: E402

if "multiprocessing.reduction" in __import__("sys").modules:
    # a process that uses multiprocessing (a spawned child, ...): tensors it sends go by shared memory
    import ember.multiprocessing  # noqa: E402,F401


def is_tensor(obj):
    """True if ``obj`` is an ember tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    """The number of elements of ``input``."""
    return input.numel()


# ``ember.nn``, ``ember.optim``, ... come from other distributions; like ``torch.optim`` they are
# reachable as attributes once installed, imported on first use so ``import ember`` stays fast.
_SUBPACKAGES = frozenset({"autograd", "nn", "optim", "distributions", "utils", "vision", "cuda", "testing",
                          "onnx", "multiprocessing", "sparse", "distributed"})
_SHIPPED_IN = {"optim": "nn", "distributions": "nn", "utils": "data"}  # subpackages named unlike their distribution


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        import importlib

        try:
            return importlib.import_module(f"ember.{name}")
        except ModuleNotFoundError as err:
            if err.name != f"ember.{name}":
                raise
            shipped_in = _SHIPPED_IN.get(name, name)
            raise AttributeError(f"module 'ember' has no attribute '{name}' (install the ember distribution "
                                 f"that provides ember.{name}: pip install ember-{shipped_in})") from None
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


GradScaler = amp.GradScaler   # torch.GradScaler, the same class as torch.amp.GradScaler
newaxis = None                 # torch.newaxis: index with it to add a dim


arctan2 = atan2  # noqa: F405  (torch.arctan2, NumPy's name)


def get_device(input) -> int:
    """The index of the device ``input`` is on, -1 for the CPU."""
    return input.get_device()
