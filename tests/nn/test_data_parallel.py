"""nn.DataParallel: as is on one device; scatter/replicate/gather on the example backend's two."""

import numpy as np

import ember
from ember import nn


def make_model():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_single_device_runs_module_as_is():
    model = make_model()
    dp = nn.DataParallel(model)
    x = ember.randn(5, 4)
    np.testing.assert_array_equal(dp(x).detach().numpy(), model(x).detach().numpy())
    assert list(dp.state_dict()) == ["module." + k for k in model.state_dict()]


def test_two_devices_match_single_device_values_and_grads():
    import ember_checked  # noqa: F401  (the nn env installs it: missing, it must fail, not skip)
    reference = make_model()
    x = ember.randn(6, 4)
    reference(x).pow(2).sum().backward()

    model = make_model().to("checked:0")
    dp = nn.DataParallel(model, device_ids=["checked:0", "checked:1"])
    out = dp(x.to("checked:0"))
    assert out.device == ember.device("checked:0") and out.shape == (6, 3)
    out.pow(2).sum().backward()
    for (name, p), (_, q) in zip(model.named_parameters(), reference.named_parameters()):
        assert p.grad.device == ember.device("checked:0"), name
        np.testing.assert_allclose(p.grad.cpu().numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)


def test_scatter_splits_batch_and_repeats_other_values():
    import ember_checked  # noqa: F401  (the nn env installs it: missing, it must fail, not skip)
    from ember.nn.parallel import scatter
    parts = scatter((ember.arange(5), "tag"), ["checked:0", "checked:1"])
    assert [p[0].device for p in parts] == [ember.device("checked:0"), ember.device("checked:1")]
    assert [p[0].cpu().tolist() for p in parts] == [[0, 1, 2], [3, 4]]
    assert [p[1] for p in parts] == ["tag", "tag"]
