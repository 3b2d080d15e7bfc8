"""The main job: a short tour of the ember tensor API (later: training on real data)."""

import ember

x = ember.arange(6, dtype=ember.float32).reshape(2, 3)
print("x =", x)
print("x + 1.5 =", x + 1.5)
print("x.sum(1) =", x.sum(1))
print("x.T.shape =", x.T.shape, " stride:", x.T.stride())
g = ember.Generator().manual_seed(0)
print("seeded rand:", ember.rand(3, generator=g))
print("backends:", ember.backends.list())
