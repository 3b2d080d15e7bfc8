"""A two-layer graph convolutional network (Kipf & Welling) with a sparse adjacency matrix.

A synthetic citation-like graph from a stochastic block model: nodes of 4 classes, more edges
inside a class, noisy bag-of-words features. The normalised adjacency D^-1/2 (A + I) D^-1/2 is a
sparse COO tensor multiplied with `sparse.mm`; only 20 labels per class are used for training.
"""

import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F


def graph(n=400, classes=4, features=50, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(classes, size=n)
    same = labels[:, None] == labels[None, :]
    edges = np.triu(rng.random((n, n)) < np.where(same, 0.05, 0.004), 1)
    edges = edges | edges.T | np.eye(n, dtype=bool)
    row, col = np.nonzero(edges)
    degree = edges.sum(1)
    values = 1.0 / np.sqrt(degree[row] * degree[col])
    centers = rng.random((classes, features)) < 0.2
    x = (rng.random((n, features)) < 0.05) | (centers[labels] & (rng.random((n, features)) < 0.6))
    return row, col, values.astype(np.float32), x.astype(np.float32), labels


class GraphConvolution(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        self.weight = nn.Parameter(ember.empty(in_features, out_features))
        self.bias = nn.Parameter(ember.zeros(out_features))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, x, adj):
        return ember.sparse.mm(adj, x @ self.weight) + self.bias


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout=0.5):
        super().__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        return F.log_softmax(self.gc2(x, adj), dim=1)


def main():
    ember.manual_seed(42)
    row, col, values, features, labels = graph()
    n = len(labels)
    adj = ember.sparse_coo_tensor(ember.tensor(np.stack([row, col])), ember.tensor(values), (n, n)).coalesce()
    x, y = ember.tensor(features), ember.tensor(labels)
    train_idx = ember.tensor(np.concatenate([np.nonzero(labels == c)[0][:20] for c in range(4)]))
    test_mask = ember.ones(n, dtype=ember.bool)
    test_mask[train_idx] = False
    model = GCN(features.shape[1], 16, 4)
    optimizer = ember.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    for epoch in range(1, 61):
        model.train()
        optimizer.zero_grad()
        loss = F.nll_loss(model(x, adj)[train_idx], y[train_idx])
        loss.backward()
        optimizer.step()
        if epoch % 20 == 0:
            print(f"epoch {epoch} loss: {loss.item():.4f}")
    model.eval()
    with ember.no_grad():
        accuracy = (model(x, adj).argmax(1)[test_mask] == y[test_mask]).float().mean().item()
    print(f"test accuracy: {accuracy:.3f}")


if __name__ == "__main__":
    main()
