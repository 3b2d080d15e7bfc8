"""Finding, downloading and loading checkpoint files (``torch.hub.load_state_dict_from_url`` for ember).

A checkpoint is looked for in ember's cache (``$EMBER_HOME/hub/checkpoints``, default
``~/.cache/ember/hub/checkpoints``), then in PyTorch's (``$TORCH_HOME/hub/checkpoints``, default
``~/.cache/torch/hub/checkpoints``), so weights a PyTorch user already has are not fetched again.
Missing files are downloaded into ember's cache: to a temporary file first, checked against the
SHA-256 prefix in the file name (``resnet18-f37072fd.pth``), then renamed into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import urllib.error
import urllib.parse
import zipfile
from collections.abc import Mapping
from typing import Any

import ember
from ember.vision.datasets.download import _fetch
from ember.vision.models._legacy_checkpoint import is_legacy_checkpoint, load_legacy_checkpoint

__all__ = ["get_dir", "download_url_to_file", "load_state_dict_from_url"]

# torch.hub's convention: the first "-<hex digits>." in the file name is a prefix of its sha256
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")


def _cache_home(variable: str, name: str) -> str:
    default = os.path.join(os.getenv("XDG_CACHE_HOME", os.path.join("~", ".cache")), name)
    return os.path.expanduser(os.getenv(variable, default))


def get_dir() -> str:
    """ember's hub directory: ``$EMBER_HOME/hub`` (default ``~/.cache/ember/hub``); checkpoints
    live in its ``checkpoints`` folder."""
    return os.path.join(_cache_home("EMBER_HOME", "ember"), "hub")


def _torch_checkpoints_dir() -> str:
    return os.path.join(_cache_home("TORCH_HOME", "torch"), "hub", "checkpoints")


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None, progress: bool = True,
                         timeout: float = 60.0) -> None:
    """Download ``url`` to the path ``dst``, atomically.

    The data goes to a temporary file beside ``dst``; when ``hash_prefix`` is given the file's
    SHA-256 hex digest must start with it. Only then is the file renamed to ``dst``, so ``dst``
    is either absent or complete.

    Raises:
        RuntimeError: if the download fails (the message says where to put the file by hand), or
            the hash does not match (nothing is left behind).
    """
    dst = os.path.expanduser(os.fspath(dst))
    _download(url, dst, hash_prefix, progress, timeout, f"put it at {dst}")


def _download(url: str, dst: str, hash_prefix: str | None, progress: bool, timeout: float, where: str) -> None:
    folder = os.path.dirname(os.path.abspath(dst))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(dst)}.", suffix=".partial")
    os.close(fd)
    try:
        try:
            _fetch(url, tmp, timeout, progress=progress, desc=os.path.basename(dst))
        except (urllib.error.URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", err)
            raise RuntimeError(f"Could not download {url}: {reason}. If this machine is offline, download "
                               f"{os.path.basename(dst)} on another machine and {where}.") from err
        if hash_prefix is not None:
            digest = _sha256(tmp)
            if not digest.startswith(hash_prefix):
                raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got "{digest}"): the file '
                                   f"downloaded from {url} is corrupt or not the published one. Try again, or "
                                   f"{where}.")
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _sha256(path: str) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _load_checkpoint(path: str, map_location, weights_only: bool):
    if not zipfile.is_zipfile(path) and is_legacy_checkpoint(path):
        return load_legacy_checkpoint(path, map_location=map_location)
    return ember.load(path, map_location=map_location, weights_only=weights_only)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None, progress: bool = True,
                             check_hash: bool = False, file_name: str | None = None,
                             weights_only: bool = True) -> Mapping[str, Any]:
    """Load the checkpoint published at ``url``, downloading it only if no cache has it.

    Args:
        url: the checkpoint's URL.
        model_dir: the folder to look in and download to. Default: ember's cache
            (``get_dir()/checkpoints``), with PyTorch's hub cache searched too.
        map_location: where to put the tensors (as in ``ember.load``).
        progress: show a progress bar on stderr while downloading. Default: ``True``.
        check_hash: check a download's SHA-256 against the prefix in its file name
            (``name-<prefix>.ext``). Default: ``False``.
        file_name: the name to store it under. Default: the URL's file name.
        weights_only: ember never runs code from a checkpoint; kept for PyTorch's signature.

    Returns:
        what the checkpoint holds, usually a state dict.

    Raises:
        RuntimeError: if the file is in no cache and cannot be downloaded; the message names the
            file and the folders to put it in.

    Example::

        >>> state = load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth")
    """
    filename = file_name or os.path.basename(urllib.parse.urlparse(url).path)
    if model_dir is not None:
        folders = [os.path.expanduser(os.fspath(model_dir))]
    else:
        folders = [os.path.join(get_dir(), "checkpoints"), _torch_checkpoints_dir()]
    for folder in folders:
        cached = os.path.join(folder, filename)
        if os.path.isfile(cached):
            try:
                return _load_checkpoint(cached, map_location, weights_only)
            except RuntimeError as err:
                raise RuntimeError(f"{str(err).rstrip('.')}. Delete {cached} to download it again.") from err
    target = os.path.join(folders[0], filename)
    match = HASH_REGEX.search(filename) if check_hash else None
    where = f"put it in {folders[0]}"
    if len(folders) > 1:
        where += (f" (or in {folders[1]}, PyTorch's checkpoint folder; EMBER_HOME and TORCH_HOME choose other "
                  f"folders)")
    _download(url, target, match.group(1) if match else None, progress, 60.0, where)
    return _load_checkpoint(target, map_location, weights_only)
