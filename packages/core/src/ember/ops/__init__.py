"""Op definitions by family. Each module holds the functions ``ember.<op>`` and a mixin
class whose methods ``ember.Tensor`` gains; kernels live in ``ember.backends``."""
