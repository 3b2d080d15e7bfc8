"""ember is one import package across distributions: prove a second one can extend it."""

import os
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest


def _make_dist(root):
    pkg = root / "src" / "ember" / "hello"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("import ember\n\ndef greet():\n    return ember.ones(2).sum().item()\n")
    (root / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=69"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "ember-hello"
        version = "0.0.1"
        [tool.setuptools.packages.find]
        where = ["src"]
    """))


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["normal", "editable"])
def test_second_distribution_extends_ember(tmp_path, editable):
    dist = tmp_path / "hello"
    _make_dist(dist)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = str(env_dir / "bin" / "python")
    # see this environment's packages (ember-core, setuptools), including their .pth files
    site_dir = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    here = sysconfig.get_paths()["purelib"]
    (Path(site_dir) / "parent.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    target = ["-e", str(dist)] if editable else [str(dist)]
    subprocess.run([sys.executable, "-m", "pip", "--python", py, "install", "-q",
                    "--no-build-isolation", "--no-deps", *target],
                   check=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    out = subprocess.run([py, "-c", "import ember, ember.hello; print(ember.hello.greet(), ember.Tensor)"],
                         check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert out.split()[0] == "2.0"
