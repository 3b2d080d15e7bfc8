"""``cudasim`` exists only when asked for: ``EMBER_CUDA_SIM=1`` at plugin load, never by default."""

import os
import subprocess
import sys

PROGRAM = """
import ember
print(" ".join(sorted(name for name in ember.backends.list() if name.startswith("cuda"))))
x = ember.arange(4.0, device="cudasim") * 2
print(x.tolist(), x.device, ember.accelerator.current_accelerator())
"""


def run(env_value):
    env = {k: v for k, v in os.environ.items() if k != "EMBER_CUDA_SIM"}
    if env_value is not None:
        env["EMBER_CUDA_SIM"] = env_value
    return subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=120)


def test_enabled_by_the_environment_variable():
    done = run("1")
    assert done.returncode == 0, done.stderr
    names, values = done.stdout.splitlines()
    assert names == "cuda cudasim"
    assert values == "[0.0, 2.0, 4.0, 6.0] cudasim:0 cuda"  # the simulator is never the accelerator


def test_absent_by_default():
    done = run(None)
    assert done.returncode == 1
    assert "device type at start of device string: cudasim (no installed ember plugin provides 'cudasim'" \
        in done.stderr
