"""A variational autoencoder in the shape of PyTorch's VAE example, on scikit-learn's 8x8 digits.

The encoder gives a Normal posterior; the sample is drawn with `rsample` (reparameterised), the
KL term is `kl_divergence` against a standard Normal prior, and the reconstruction term is
binary cross-entropy summed over pixels.
"""

import numpy as np
from sklearn.datasets import load_digits

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.distributions import Normal, kl_divergence
from ember.utils.data import DataLoader, TensorDataset


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc21 = nn.Linear(128, 8)
        self.fc22 = nn.Linear(128, 8)
        self.fc3 = nn.Linear(8, 128)
        self.fc4 = nn.Linear(128, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def decode(self, z):
        return ember.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        posterior = Normal(mu, ember.exp(0.5 * logvar))
        return self.decode(posterior.rsample()), posterior


def loss_function(recon_x, x, posterior):
    bce = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    prior = Normal(ember.zeros_like(posterior.loc), ember.ones_like(posterior.scale))
    return bce + kl_divergence(posterior, prior).sum()


def main():
    ember.manual_seed(1)
    images = ember.tensor((load_digits().images / 16.0).astype(np.float32))
    loader = DataLoader(TensorDataset(images[:1500]), batch_size=64, shuffle=True)
    test = images[1500:]
    model = VAE()
    optimizer = ember.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(1, 9):
        model.train()
        for (x,) in loader:
            optimizer.zero_grad()
            recon, posterior = model(x)
            loss_function(recon, x, posterior).backward()
            optimizer.step()
        if epoch % 2 == 0:
            model.eval()
            with ember.no_grad():
                recon, posterior = model(test)
                print(f"epoch {epoch} loss: {loss_function(recon, test, posterior).item() / len(test):.4f}")


if __name__ == "__main__":
    main()
