"""The functionals autocast (``ember.amp``) runs in a set precision, from PyTorch's CPU lists: layers that
multiply matrices in float16, losses and 3-D pooling in float32."""

from ember.amp.policy import FLOAT32, LOWER, register, register_method

LOWER_PRECISION = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
                   "prelu", "scaled_dot_product_attention"]
IN_FLOAT32 = ["mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
              "kl_div", "l1_loss", "smooth_l1_loss", "huber_loss", "margin_ranking_loss", "soft_margin_loss",
              "triplet_margin_loss", "multi_margin_loss", "multilabel_margin_loss", "cosine_embedding_loss",
              "hinge_embedding_loss", "poisson_nll_loss", "ctc_loss", "avg_pool3d", "max_pool3d",
              "adaptive_avg_pool3d", "adaptive_max_pool3d", "grid_sample"]


def register_functionals() -> None:
    """Tell ember.amp which functionals run in which precision (called once ``ember.nn.functional`` has
    defined them all, so that a region entered before ``import ember.nn`` wraps them too)."""
    register("ember.nn.functional", LOWER_PRECISION, LOWER)
    register("ember.nn.functional", IN_FLOAT32, FLOAT32)
    register_method("ember.nn.modules.linear", "Linear", "forward")   # its fast path goes around F.linear
