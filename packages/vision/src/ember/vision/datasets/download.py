"""Downloading dataset files: a progress bar, the published checksum checked before the file is
moved into place (so a partial or corrupt download never looks complete), safe archive
extraction, and offline errors that say where to put the files by hand."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile

from tqdm import tqdm

USER_AGENT = "ember-vision"


def calculate_md5(fpath, chunk_size: int = 1024 * 1024) -> str:
    """The MD5 hex digest of the file at ``fpath``."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5: str) -> bool:
    return md5 == calculate_md5(fpath)


def check_integrity(fpath, md5: str | None = None) -> bool:
    """True if the file exists and, when ``md5`` is given, has that checksum."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def _fetch(url: str, destination: str, timeout: float, progress: bool = True, desc: str | None = None) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        total = response.headers.get("Content-Length")
        with open(destination, "wb") as out, tqdm(total=int(total) if total else None, unit="B", unit_scale=True,
                                                  unit_divisor=1024, desc=desc or os.path.basename(destination),
                                                  disable=None if progress else True) as bar:
            for chunk in iter(lambda: response.read(1024 * 256), b""):
                out.write(chunk)
                bar.update(len(chunk))


def download_url(url: str, root, filename: str | None = None, md5: str | None = None, timeout: float = 60.0) -> str:
    """Download ``url`` to ``root/filename`` unless a file with the right checksum is there.

    The data goes to a temporary file in ``root`` that is checked against ``md5`` and then
    renamed into place, so ``root/filename`` is either absent or complete.

    Returns:
        the path of the file.

    Raises:
        RuntimeError: if the download fails (the message says where to put the file by hand),
            or the downloaded file does not have the published checksum.
    """
    root = os.path.expanduser(os.fspath(root))
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    if check_integrity(fpath, md5):
        return fpath
    os.makedirs(root, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=root, prefix=f".{filename}.", suffix=".part")
    os.close(fd)
    try:
        try:
            _fetch(url, tmp, timeout)
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            raise RuntimeError(f"Could not download {url}: {reason}. If this machine is offline, download the file "
                               f"on another machine and put it at {fpath}"
                               + (f" (its md5 must be {md5})." if md5 else ".")) from e
        if md5 is not None:
            actual = calculate_md5(tmp)
            if actual != md5:
                raise RuntimeError(f"The file downloaded from {url} has md5 {actual}, but the published checksum is "
                                   f"{md5}: the download is corrupt or the server sent another file. Try again, or "
                                   f"put a good copy at {fpath}.")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return fpath


def _safe_members(tar: tarfile.TarFile, to_path: str):
    base = os.path.realpath(to_path)
    for member in tar.getmembers():
        target = os.path.realpath(os.path.join(to_path, member.name))
        if os.path.commonpath([base, target]) != base or member.issym() or member.islnk() or member.isdev():
            raise RuntimeError(f"Refusing to extract '{member.name}' from the archive: it points outside {to_path} "
                               f"or is a link or device")
        yield member


def extract_archive(from_path, to_path=None, remove_finished: bool = False) -> str:
    """Extract a .tar(.gz/.bz2/.xz), .tgz, .zip or .gz file into ``to_path`` (default: its folder).

    Members that would land outside ``to_path`` (absolute paths, ``..``), links and devices are
    refused. Returns ``to_path``.
    """
    from_path = os.fspath(from_path)
    to_path = os.fspath(to_path) if to_path is not None else os.path.dirname(from_path)
    os.makedirs(to_path, exist_ok=True)
    name = from_path.lower()
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz")):
        with tarfile.open(from_path) as tar:
            tar.extractall(to_path, members=list(_safe_members(tar, to_path)))
    elif name.endswith(".zip"):
        with zipfile.ZipFile(from_path) as z:
            base = os.path.realpath(to_path)
            for info in z.infolist():
                if os.path.commonpath([base, os.path.realpath(os.path.join(to_path, info.filename))]) != base:
                    raise RuntimeError(f"Refusing to extract '{info.filename}': it points outside {to_path}")
            z.extractall(to_path)
    elif name.endswith(".gz"):
        out = os.path.join(to_path, os.path.basename(from_path)[:-3])
        with gzip.open(from_path, "rb") as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        raise RuntimeError(f"Unknown archive type of '{from_path}'; expected .tar.gz, .tgz, .tar, .zip or .gz")
    if remove_finished:
        os.remove(from_path)
    return to_path


def download_and_extract_archive(url: str, download_root, extract_root=None, filename: str | None = None,
                                 md5: str | None = None, remove_finished: bool = False) -> None:
    """``download_url`` then ``extract_archive`` (into ``extract_root``, default ``download_root``)."""
    download_root = os.path.expanduser(os.fspath(download_root))
    fpath = download_url(url, download_root, filename, md5)
    extract_archive(fpath, extract_root or download_root, remove_finished)
