# PyTorch's examples/vae (Kingma & Welling's VAE, 784-400-20) on scikit-learn's bundled 8x8
# digits (64-32-8), plus the same model written with torch.distributions, as many VAEs are now.
import torch
import torch.nn.functional as F
from torch import nn, optim
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence


class VAE(nn.Module):
    def __init__(self, features=64, hidden=32, latent=8):
        super().__init__()
        self.features = features
        self.fc1 = nn.Linear(features, hidden)
        self.fc21 = nn.Linear(hidden, latent)
        self.fc22 = nn.Linear(hidden, latent)
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, features)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar, noise=None):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std) if noise is None else noise
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x, noise=None):
        mu, logvar = self.encode(x.view(-1, self.features))
        z = self.reparameterize(mu, logvar, noise)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    # reconstruction + KL divergence losses summed over all elements and batch
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, recon_x.shape[-1]), reduction="sum")
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def distributions_loss(model, x):
    """The negative ELBO written with torch.distributions: q(z|x) = N(mu, sigma), p(x|z) Bernoulli."""
    mu, logvar = model.encode(x)
    q = Independent(Normal(mu, torch.exp(0.5 * logvar)), 1)
    z = q.rsample()
    logits = model.fc4(F.relu(model.fc3(z)))
    log_likelihood = Independent(Bernoulli(logits=logits), 1).log_prob(x)
    prior = Independent(Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    return (kl_divergence(q, prior) - log_likelihood).sum()


def train_step(model, optimizer, x, noise=None):
    optimizer.zero_grad()
    recon, mu, logvar = model(x, noise)
    loss = loss_function(recon, x, mu, logvar)
    loss.backward()
    optimizer.step()
    return loss.item()


def fit(images, epochs=3, batch_size=64, seed=1, use_distributions=False):
    torch.manual_seed(seed)
    model = VAE()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    data = torch.from_numpy(images)
    if use_distributions:  # a Bernoulli likelihood needs binary pixels
        data = (data > 0.5).float()
    losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, len(data), batch_size):
            x = data[start:start + batch_size]
            if use_distributions:
                optimizer.zero_grad()
                loss = distributions_loss(model, x)
                loss.backward()
                optimizer.step()
                total += loss.item()
            else:
                total += train_step(model, optimizer, x)
        losses.append(total / len(data))
    return losses
