"""``ember.fft``: the parts of PyTorch's ``torch.fft`` that need no complex dtype.

``fftshift``, ``ifftshift``, ``fftfreq`` and ``rfftfreq`` are here. The transforms (``fft``,
``ifft``, ``rfft``, ``irfft``, ``fft2``, ``fftn``, ``hfft``, ...) all take or return complex
tensors; ember has no complex dtypes yet, so they are not provided.
"""

from ember.ops.fft_helpers import *  # noqa: F401,F403
from ember.ops.fft_helpers import __all__  # noqa: F401
