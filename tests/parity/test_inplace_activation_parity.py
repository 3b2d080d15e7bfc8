"""In-place activations right after conv, batch norm and pooling (as torchvision builds models):
gradients match PyTorch's."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def block(nn, inplace_act):
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), inplace_act(nn),
                         nn.MaxPool2d(2), nn.Conv2d(8, 4, 3), inplace_act(nn))


@pytest.mark.parametrize("act", [lambda nn: nn.ReLU(inplace=True), lambda nn: nn.ReLU6(inplace=True),
                                 lambda nn: nn.Hardtanh(-0.5, 0.5, inplace=True)], ids=["relu", "relu6", "hardtanh"])
def test_gradients_match(act):
    ours, theirs = block(ember.nn, act), block(torch.nn, act)
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
    xe = ember.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    (ours(xe) ** 2).sum().backward()
    (theirs(xt) ** 2).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-4, atol=1e-5)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
