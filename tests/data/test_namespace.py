"""ember.utils is a namespace shared by distributions: ember-data installs only ember/utils/data."""

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "packages" / "data"


def _make_sibling(root: Path) -> None:
    """A second distribution that also ships a module under ember.utils (as ember-nn ships tensorboard)."""
    pkg = root / "src" / "ember" / "utils" / "sibling"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("NAME = 'sibling'\n")
    (root / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=69"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "ember-sibling"
        version = "0.0.1"
        [tool.setuptools.packages.find]
        where = ["src"]
    """))


def test_the_distribution_ships_no_namespace_init_files():
    assert not (DATA / "src" / "ember" / "__init__.py").exists()
    assert not (DATA / "src" / "ember" / "utils" / "__init__.py").exists()
    assert (DATA / "src" / "ember" / "utils" / "data" / "__init__.py").exists()


@pytest.mark.slow
@pytest.mark.parametrize("editable", [False, True], ids=["normal", "editable"])
def test_import_ember_utils_data_after_install(tmp_path, editable):
    sibling = tmp_path / "sibling"
    _make_sibling(sibling)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = str(env_dir / "bin" / "python")
    site_dir = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
    # ember-core comes from a copy of this environment's, without any ember.utils: this
    # environment's own ember-data may sit in the same folder as core and must not be the one found
    import ember
    core = tmp_path / "core"
    shutil.copytree(Path(ember.__file__).parent, core / "ember", ignore=shutil.ignore_patterns("utils", "__pycache__"))
    (Path(site_dir) / "00core.pth").write_text(f"{core}\n")
    # numpy, pluggy and setuptools come from this environment
    here = sysconfig.get_paths()["purelib"]
    (Path(site_dir) / "parent.pth").write_text(f"import site; site.addsitedir({here!r})\n")
    for dist in (DATA, sibling):
        target = ["-e", str(dist)] if editable else [str(dist)]
        subprocess.run([sys.executable, "-m", "pip", "--python", py, "install", "-q", "--no-build-isolation",
                        "--no-deps", "--ignore-installed", *target],
                       check=True, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    code = ("import ember, ember.utils, ember.utils.data as d, ember.utils.sibling as s\n"
            "print(d.__file__)\n"
            "print(s.NAME, type(d.DataLoader).__name__, ember.Tensor.__name__)\n"
            "print(sorted(p for p in ember.utils.__path__))\n")
    out = subprocess.run([py, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    lines = out.splitlines()
    installed_from = Path(lines[0])
    assert installed_from.parts[-3:] == ("utils", "data", "__init__.py")
    assert (str(DATA) in str(installed_from)) == editable     # a normal install copies the files
    assert lines[1] == "sibling type Tensor"
