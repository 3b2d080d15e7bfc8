"""Install ember distributions into the running tox env from the wheelhouse, never from an index.

Usage: python .ci/install_ember.py WHEELHOUSE ember-core[safetensors] ember-autograd ...

`make test` builds every ember wheel once into WHEELHOUSE (with the wheels of their runtime
dependencies); each tox env then installs only the distributions it names, with `--no-index`, so
an env still proves that a package works with just what it declares, and no ember name can be
resolved from a public index. The second call reinstalls the ember wheels themselves, so an env
reused from an earlier run picks up the newly built code (the version number does not change).
"""

import re
import subprocess
import sys


def main(wheelhouse: str, requirements: list[str]) -> None:
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--find-links", wheelhouse]
    subprocess.run([*pip, *requirements], check=True)
    names = [re.sub(r"\[.*\]$", "", r) for r in requirements]
    subprocess.run([*pip, "--force-reinstall", "--no-deps", *names], check=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
