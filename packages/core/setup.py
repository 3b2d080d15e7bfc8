"""Build ember-core's Cython extensions (-O3; OpenMP for the modules listed in OPENMP).

``EMBER_NATIVE=1`` adds ``-march=native``: the kernels may then use every vector instruction
of the building machine (AVX2, AVX-512, FMA), and the extensions run only on CPUs that have
them. Wheels are built without it, for the baseline x86-64 (SSE2) instruction set.

``EMBER_SANITIZE=1`` builds them instead with AddressSanitizer and UndefinedBehaviorSanitizer
(-O1, frame pointers kept, no OpenMP) for the `sanitize` tox environment: the kernels are
compiled without bounds checks, so an out-of-bounds access must be caught by the sanitizer.
Python must then run with the ASan runtime preloaded (see tox.ini).
"""

import os
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

SRC = Path("src")
OPENMP: set[str] = {  # dotted module names whose kernels use prange
    "ember.backends.cpu._im2col", "ember.backends.cpu._pooling", "ember.backends.cpu._special",
    "ember.backends.cpu._winograd",
}
SANITIZE = os.environ.get("EMBER_SANITIZE", "") not in ("", "0")
NATIVE = os.environ.get("EMBER_NATIVE", "") not in ("", "0")
SANITIZER_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=undefined"]


def extension(pyx: Path) -> Extension:
    name = ".".join(pyx.relative_to(SRC).with_suffix("").parts)
    if SANITIZE:  # OpenMP stays off: libgomp's threads are not ASan-instrumented and add noise
        return Extension(name, [str(pyx)], extra_compile_args=["-O1", "-g", *SANITIZER_FLAGS],
                         extra_link_args=SANITIZER_FLAGS)
    args = ["-O3", "-march=native"] if NATIVE else ["-O3"]
    link = []
    if name in OPENMP:
        args.append("-fopenmp")
        link.append("-fopenmp")
    return Extension(name, [str(pyx)], extra_compile_args=args, extra_link_args=link)


setup(
    ext_modules=cythonize(
        [extension(p) for p in sorted(SRC.rglob("*.pyx"))],
        compiler_directives={"language_level": "3"},
    ),
    # setuptools reuses objects in build/ that look newer than their sources: a sanitized build
    # keeps its own so that neither build picks up the other's
    options={"build_ext": {"parallel": os.cpu_count() or 1},
             **({"build": {"build_base": "build/sanitize"}} if SANITIZE else {})},
)
