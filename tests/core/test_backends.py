"""The plugin registry: lazy loading, broken, duplicate, blocked and misspelled plugins.

Installed plugins are faked by writing ``<name>.dist-info`` folders (METADATA and
entry_points.txt) and plugin modules into a temporary folder on ``sys.path``; each test
loads them into a fresh ``BackendRegistry`` so the one ember uses is left alone.
"""

import importlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pluggy
import pytest

import ember
from ember.backends import Backend, BackendRegistry, registry

BACKEND = """
import numpy as np
from ember.backends import Backend, hookimpl

class {cls}(Backend):
    type = "{type}"
    def device_count(self):
        return {count}
    def from_numpy(self, array, index):
        return np.array(array, copy=True)
    def to_numpy(self, data):
        return data.copy()
"""


@pytest.fixture
def install(tmp_path, monkeypatch):
    """``install(dist, module, source)`` fakes an installed distribution with an ember plugin."""
    modules = []

    def install(dist: str, module: str, source: str, entry_point: str | None = None) -> None:
        info = tmp_path / f"{dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[ember]\n{entry_point or module} = {module}\n")
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        modules.append(module)
        importlib.invalidate_caches()

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("EMBER_BLOCK_PLUGINS", raising=False)
    yield install
    for m in modules:
        sys.modules.pop(m, None)


def backend_plugin(cls: str, type: str, count: int = 1) -> str:
    return BACKEND.format(cls=cls, type=type, count=count) + f"""
@hookimpl
def ember_register_backends(registry):
    registry.register_backend({cls}())
"""


def test_import_ember_loads_no_entry_point(tmp_path):
    """``import ember`` and CPU ops read no entry point; the first unknown device type does."""
    info = tmp_path / "ember_spy-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ember-spy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ember]\nspy = spy_plugin\n")
    (tmp_path / "spy_plugin.py").write_text(textwrap.dedent(backend_plugin("Spy", "spy")))
    code = textwrap.dedent("""
        import sys
        import importlib.metadata as md
        calls = []
        real = md.entry_points
        md.entry_points = lambda *a, **k: calls.append(k) or real(*a, **k)
        import ember
        x = ember.ones(2, 2, device="cpu") + 1
        ember.tensor([1.0]).to("cpu")
        assert calls == [] and "spy_plugin" not in sys.modules, (calls, "spy_plugin" in sys.modules)
        y = ember.ones(2, device="spy")
        assert calls == [{"group": "ember"}] and "spy_plugin" in sys.modules, calls
        assert str(y.device) == "spy:0"
        ember.ones(2, device="spy:0"), ember.backends.list()
        assert len(calls) == 1, "plugins load once"
        print("ok")
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_unknown_device_type_loads_installed_plugins(install):
    install("ember-fakedev", "fakedev_plugin", backend_plugin("FakeDev", "fakedev", count=3))
    fresh = BackendRegistry()
    assert "fakedev" not in fresh.backends and not fresh.plugins_loaded
    backend = fresh.backend("fakedev")
    assert type(backend).__name__ == "FakeDev" and fresh.plugins_loaded
    assert fresh.report()["fakedev"] == "ember-fakedev: 3 devices"
    assert str(fresh.canonical("fakedev:2")) == "fakedev:2"


def test_a_plugin_that_fails_to_import_is_a_warning_and_ember_keeps_working(install):
    install("ember-broken", "broken_plugin", "raise ImportError('libfoo.so: cannot open shared object file')\n")
    install("ember-fakedev", "fakedev_plugin", backend_plugin("FakeDev", "fakedev"))
    fresh = BackendRegistry()
    with pytest.warns(RuntimeWarning) as record:
        fresh.load_plugins()
    [warning] = record
    assert str(warning.message) == (
        "ember: the plugin 'broken_plugin' of distribution 'ember-broken' failed to load and was skipped "
        "(ImportError: libfoo.so: cannot open shared object file)")
    assert fresh.report()["ember-broken"] == "failed to load: ImportError: libfoo.so: cannot open shared object file"
    assert fresh.backend("fakedev").type == "fakedev"  # the other plugin still loaded
    with pytest.raises(RuntimeError) as err:
        fresh.backend("gpu")
    assert "plugins that failed to load: ember-broken (ImportError: libfoo.so" in str(err.value)


def test_a_broken_plugins_warning_is_visible_after_importing_ember_and_running_ops(tmp_path):
    """ember installs no warnings filter: in a plain interpreter, after ops that make NumPy's
    floating-point errors (which ember keeps quiet, as PyTorch does), the warning shows."""
    info = tmp_path / "ember_broken-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ember-broken\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[ember]\nbroken = broken_plugin\n")
    (tmp_path / "broken_plugin.py").write_text("raise ImportError('libfoo.so: cannot open shared object file')\n")
    code = textwrap.dedent("""
        import ember
        x = ember.tensor([0.0, -1.0, 1.0])
        ember.log(x), x / 0, x.sqrt_(), ember.ones(1).var()
        ember.backends.load_plugins()
        print(sorted(ember.backends.list()))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    env.pop("PYTHONWARNINGS", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert ("RuntimeWarning: ember: the plugin 'broken' of distribution 'ember-broken' failed to load and was "
            "skipped (ImportError: libfoo.so: cannot open shared object file)") in out.stderr
    assert "encountered" not in out.stderr   # no NumPy floating-point warning from ember's ops
    assert "'ember-broken'" in out.stdout


def test_a_plugin_whose_hook_raises_is_taken_back(install):
    install("ember-half", "half_plugin", backend_plugin("Half", "half") + """
@hookimpl
def ember_register_kernels(registry):
    registry.register_kernel("cpu", "half_kernel", lambda x: x)
    registry.register_kernel("cpu", "add", lambda x, y: x)
    raise ValueError("half-way")
""")
    fresh = BackendRegistry()
    add = fresh.backends["cpu"].kernels["add"]
    with pytest.warns(RuntimeWarning, match=r"'ember-half' failed to load .*\(ValueError: half-way\)"):
        fresh.load_plugins()
    assert "half" not in fresh.backends
    assert "half_kernel" not in fresh.backends["cpu"].kernels
    assert fresh.backends["cpu"].kernels["add"] is add
    assert fresh.pm.get_plugin("ember-half:half_plugin") is None


def test_two_plugins_with_one_device_type_are_an_error_naming_both(install):
    install("ember-one", "one_plugin", backend_plugin("One", "twin"))
    install("ember-two", "two_plugin", backend_plugin("Two", "twin"))
    install("ember-fakedev", "fakedev_plugin", backend_plugin("FakeDev", "fakedev"))
    fresh = BackendRegistry()
    with pytest.raises(RuntimeError) as err:
        fresh.backend("twin")
    message = str(err.value)
    assert "device type 'twin' is registered by two plugins" in message
    assert "ember-one" in message and "ember-two" in message and "EMBER_BLOCK_PLUGINS=" in message
    assert fresh.report()["twin"].startswith("not usable: registered by both ember-")
    with pytest.raises(RuntimeError, match="registered by two plugins"):
        fresh.canonical("twin:0")
    assert fresh.backend("fakedev").type == "fakedev"


def test_blocking_one_of_two_plugins_resolves_the_conflict(install, monkeypatch):
    install("ember-one", "one_plugin", backend_plugin("One", "twin"))
    install("ember-two", "two_plugin", backend_plugin("Two", "twin"))
    monkeypatch.setenv("EMBER_BLOCK_PLUGINS", "ember-two")
    fresh = BackendRegistry()
    assert type(fresh.backend("twin")).__name__ == "One"


@pytest.mark.parametrize("blocked", ["ember-fakedev", "Ember_FakeDev", "fakedev_plugin", " other , ember-fakedev"])
def test_environment_variable_blocks_plugins_by_name(install, monkeypatch, blocked):
    install("ember-fakedev", "fakedev_plugin", backend_plugin("FakeDev", "fakedev"))
    monkeypatch.setenv("EMBER_BLOCK_PLUGINS", blocked)
    fresh = BackendRegistry()
    with pytest.raises(RuntimeError) as err:
        fresh.backend("fakedev")
    assert "fakedev_plugin" not in sys.modules  # never imported
    assert "blocked by EMBER_BLOCK_PLUGINS: ember-fakedev" in str(err.value)
    assert fresh.report()["ember-fakedev"] == "blocked by EMBER_BLOCK_PLUGINS"


@pytest.mark.parametrize("marked", [True, False], ids=["marked", "unmarked"])
def test_check_pending_catches_a_misspelled_hook(install, marked):
    install("ember-typo", "typo_plugin", BACKEND.format(cls="Typo", type="typo", count=1) + f"""
{"@hookimpl" if marked else ""}
def ember_register_backend(registry):
    registry.register_backend(Typo())
""")
    fresh = BackendRegistry()
    with pytest.warns(RuntimeWarning, match="PluginValidationError: unknown hook 'ember_register_backend'"):
        fresh.load_plugins()
    assert "typo" not in fresh.backends
    assert "ember-typo:typo_plugin" not in dict(fresh.pm.list_name_plugin())


def test_register_plugin_raises_on_a_misspelled_hook():
    class Plugin:
        @staticmethod
        def ember_register_kernel(registry):
            pass

    fresh = BackendRegistry()
    with pytest.raises(pluggy.PluginValidationError, match="unknown hook 'ember_register_kernel'"):
        fresh.register_plugin(Plugin(), "in-process")
    assert not fresh.pm.is_registered(Plugin)


def test_a_hook_with_a_wrong_argument_name_is_refused(install):
    install("ember-args", "args_plugin", """
from ember.backends import hookimpl

@hookimpl
def ember_register_backends(reg):
    pass
""")
    fresh = BackendRegistry()
    with pytest.warns(RuntimeWarning, match=r"Argument\(s\) \{'reg'\} are declared in the hookimpl but can not be "
                                            r"found in the hookspec"):
        fresh.load_plugins()


def test_kernel_hooks_run_after_every_backend_hook(install):
    # "aaa" sorts first, so its kernel hook would run before "zzz" registered its backend
    install("ember-aaa", "aaa_plugin", """
from ember.backends import hookimpl

@hookimpl
def ember_register_kernels(registry):
    registry.register_kernel("late", "softmax", lambda x, dim: x)
""")
    install("ember-zzz", "zzz_plugin", backend_plugin("Late", "late"))
    fresh = BackendRegistry()
    assert "softmax" in fresh.backend("late").kernels


def test_a_plugin_may_override_a_cpu_kernel():
    calls = []

    class Plugin:
        @staticmethod
        def ember_register_kernels(registry):
            registry.register_kernel("cpu", "exp", lambda x: calls.append(x) or np.exp(x))

    fresh = BackendRegistry()
    fresh.register_plugin(Plugin(), "fast-exp")
    fresh.cpu._kernels["exp"](np.zeros(2))
    assert len(calls) == 1


def test_register_backend_checks_its_argument():
    fresh = BackendRegistry()

    class Dashed(Backend):
        type = "my-dev"

    with pytest.raises(TypeError, match="expects an ember.backends.Backend, got str"):
        fresh.register_backend("cpu")
    with pytest.raises(ValueError, match="a backend's type must be a name of letters, digits and '_'"):
        fresh.register_backend(Dashed())
    with pytest.raises(TypeError, match="expects a callable kernel for 'exp', got int"):
        fresh.register_kernel("cpu", "exp", 3)


def test_registering_a_type_twice_in_process_is_an_error():
    fresh = BackendRegistry()

    class Mine(Backend):
        type = "mine"

    fresh.register_backend(Mine())
    with pytest.raises(RuntimeError, match="device type 'mine' is already registered by the calling code"):
        fresh.register_backend(Mine())
    with pytest.raises(RuntimeError, match="device type 'cpu' is already registered by ember-core"):
        fresh.register_backend(type("Other", (Backend,), {"type": "cpu"})())


def test_a_plugin_cannot_take_over_the_cpu(install):
    install("ember-evil", "evil_plugin", backend_plugin("Evil", "cpu"))
    fresh = BackendRegistry()
    with pytest.warns(RuntimeWarning, match="device type 'cpu' is already registered by ember-core"):
        fresh.load_plugins()
    assert type(fresh.backend("cpu")).__name__ == "CPUBackend"


def test_cuda_without_its_plugin_says_what_to_install():
    fresh = BackendRegistry()
    fresh.plugins_loaded = True  # as if no plugin were installed
    with pytest.raises(RuntimeError) as err:
        fresh.canonical("cuda:0")
    assert str(err.value) == ("device type 'cuda' needs the ember-cuda backend, which is not installed "
                              "(registered device types: cpu). Install it with: pip install ember-cuda")


def test_cuda_whose_plugin_failed_says_why(install):
    install("ember-cuda", "cuda_plugin", "raise OSError('libcuda.so.1: cannot open shared object file')\n")
    fresh = BackendRegistry()
    with pytest.warns(RuntimeWarning), pytest.raises(RuntimeError) as err:
        fresh.backend("cuda")
    assert str(err.value) == ("device type 'cuda' is not available: the ember-cuda plugin failed to load "
                              "(OSError: libcuda.so.1: cannot open shared object file)")


def test_unknown_device_type_lists_the_registered_ones():
    fresh = BackendRegistry()
    fresh.plugins_loaded = True

    class Mine(Backend):
        type = "mine"

    fresh.register_backend(Mine())
    with pytest.raises(RuntimeError) as err:
        fresh.canonical("nosuch")
    assert str(err.value) == ("Expected one of cpu, mine device type at start of device string: nosuch (no "
                              "installed ember plugin provides 'nosuch'; see ember.backends.list())")


def test_a_backend_that_registers_late_gets_the_current_seed():
    seeds = []

    class Seeded(Backend):
        type = "seeded"

        def manual_seed(self, seed, index=None):
            seeds.append((seed, index))

    ember.manual_seed(42)
    fresh = BackendRegistry()
    fresh.register_backend(Seeded())
    assert seeds == [(42, None)]


def test_unregister_backend():
    fresh = BackendRegistry()

    class Mine(Backend):
        type = "mine"

    fresh.register_backend(Mine())
    fresh.canonical("mine")
    fresh.unregister_backend("mine")
    assert "mine" not in fresh.backends and ("mine", 0) not in fresh._canonical
    with pytest.raises(RuntimeError, match="the CPU backend cannot be unregistered"):
        fresh.unregister_backend("cpu")


def test_hooks_run_at_registration_only_never_per_op():
    from ember.backends.cpu import CPUBackend

    calls = []

    class Counting(CPUBackend):
        type = "counting"
        has_index = True

    class Plugin:
        @staticmethod
        def ember_register_backends(registry):
            calls.append("backends")
            registry.register_backend(Counting())

        @staticmethod
        def ember_register_kernels(registry):
            calls.append("kernels")

    registry.register_plugin(Plugin(), "test-counting")
    try:
        x = ember.ones(4, 4, device="counting")
        for _ in range(50):
            x = (x + 1) * 0.5
        assert x.device.type == "counting"
        assert calls == ["backends", "kernels"]
    finally:
        registry.unregister_backend("counting")
        registry.pm.unregister(name="test-counting")


def test_list_shows_the_cpu():
    assert ember.backends.list()["cpu"] == "ember-core: 1 device"
