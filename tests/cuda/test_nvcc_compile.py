"""Every kernel file compiles with nvcc for sm_80 and sm_90, warnings as errors (layer 3 of issue 14).

Runs packages/cuda-backend/scripts/nvcc_check.py when nvcc is available ($NVCC, PATH, or the
nvidia-cuda-nvcc wheel, which the `cuda` tox env installs); skips with the reason otherwise.
"""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "packages" / "cuda-backend" / "scripts" / "nvcc_check.py"


def load_script():
    spec = importlib.util.spec_from_file_location("nvcc_check", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_report_parser_reads_ptxas_output():
    text = (
        "ptxas info    : Compiling entry function 'gemm' for 'sm_80'\n"
        "ptxas info    : Function properties for gemm\n"
        "    8 bytes stack frame, 8 bytes spill stores, 16 bytes spill loads\n"
        "ptxas info    : Used 128 registers, used 0 barriers, 8 bytes cumulative stack size\n"
        "ptxas info    : Compiling entry function 'fill' for 'sm_90'\n"
        "ptxas info    : Function properties for fill\n"
        "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
        "ptxas info    : Used 12 registers, used 0 barriers\n"
    )
    assert load_script().parse_report(text) == [("gemm", "sm_80", 128, 8, 16), ("fill", "sm_90", 12, 0, 0)]


@pytest.mark.slow
def test_every_kernel_file_compiles_with_nvcc(capsys):
    script = load_script()
    nvcc = script.find_nvcc()
    if nvcc is None:
        pytest.skip(
            "nvcc not found: pip install nvidia-cuda-nvcc nvidia-cuda-runtime nvidia-cuda-cccl (the cuda tox env does)"
        )
    status = script.main([])
    out = capsys.readouterr().out
    print(out)  # the register/spill report, shown with -s or on failure
    assert status == 0, out[-5000:]
    for family in script.FAMILIES:
        assert f"\n{family:<12}" in out, f"no ptxas report for {family}.cu"
    builds = sum(len(d) for d in script.FAMILIES.values())
    assert f"{builds} of {builds} builds compiled without warnings" in out
