"""Build ember-core's Cython extensions (-O3; OpenMP for the modules listed in OPENMP)."""

from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

SRC = Path("src")
OPENMP: set[str] = {  # dotted module names whose kernels use prange
    "ember.backends.cpu._im2col", "ember.backends.cpu._pooling", "ember.backends.cpu._special",
    "ember.backends.cpu._winograd",
}


def extension(pyx: Path) -> Extension:
    name = ".".join(pyx.relative_to(SRC).with_suffix("").parts)
    args = ["-O3"]
    link = []
    if name in OPENMP:
        args.append("-fopenmp")
        link.append("-fopenmp")
    return Extension(name, [str(pyx)], extra_compile_args=args, extra_link_args=link)


setup(
    ext_modules=cythonize(
        [extension(p) for p in sorted(SRC.rglob("*.pyx"))],
        compiler_directives={"language_level": "3"},
    )
)
