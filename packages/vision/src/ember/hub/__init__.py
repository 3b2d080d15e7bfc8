"""``ember.hub`` (``torch.hub``): finding, downloading and loading checkpoint files.

``load_state_dict_from_url`` looks in ember's cache (``get_dir()/checkpoints``) and in PyTorch's
before downloading; ``download_url_to_file`` checks a hash prefix. Shipped by ember-vision, whose
model builders use it.
"""

from ember.vision.models._hub import download_url_to_file, get_dir, load_state_dict_from_url

__all__ = ["download_url_to_file", "get_dir", "load_state_dict_from_url"]
