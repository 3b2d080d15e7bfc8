"""The download path against a local HTTP server on 127.0.0.1 (never the internet)."""

import contextlib
import functools
import gzip
import hashlib
import http.server
import io
import os
import socket
import tarfile
import threading

import numpy as np
import pytest
from test_datasets import write_idx

from ember.vision.datasets import CIFAR10, MNIST
from ember.vision.datasets.download import download_url, extract_archive


@contextlib.contextmanager
def serve(directory):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(directory))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def md5(path) -> str:
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_download_url_checks_md5_and_shows_progress(tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    (site / "blob.bin").write_bytes(os.urandom(300_000))
    with serve(site) as url:
        path = download_url(url + "blob.bin", tmp_path / "out", md5=md5(site / "blob.bin"))
        assert open(path, "rb").read() == (site / "blob.bin").read_bytes()
        mtime = os.path.getmtime(path)
        assert download_url(url + "blob.bin", tmp_path / "out", md5=md5(site / "blob.bin")) == path
        assert os.path.getmtime(path) == mtime  # already there with the right checksum: not fetched again
    assert "blob.bin" in capsys.readouterr().err  # tqdm's bar


def test_wrong_checksum_leaves_no_file(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "blob.bin").write_bytes(b"tampered")
    with serve(site) as url:
        with pytest.raises(RuntimeError, match=r"has md5 [0-9a-f]{32}, but the published checksum is 0{32}"):
            download_url(url + "blob.bin", tmp_path / "out", md5="0" * 32)
    assert os.listdir(tmp_path / "out") == []  # no partial or bad file left behind


def test_offline_error_says_where_to_put_the_file(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/train-images-idx3-ubyte.gz"
    with pytest.raises(RuntimeError, match=r"Could not download .*If this machine is offline, download the file on "
                                           r"another machine and put it at .*train-images-idx3-ubyte.gz \(its md5 "
                                           r"must be abc\)"):
        download_url(url, tmp_path, md5="abc", timeout=5)
    assert os.listdir(tmp_path) == []


def test_http_404_is_reported(tmp_path):
    with serve(tmp_path) as url:
        with pytest.raises(RuntimeError, match="(?i)Could not download .*missing.bin: File not found"):
            download_url(url + "missing.bin", tmp_path / "out")


def test_mnist_download_from_a_mirror(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    rng = np.random.default_rng(2)
    resources = []
    for name, arr in (("train-images-idx3-ubyte", rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)),
                      ("train-labels-idx1-ubyte", np.array([1, 2, 3], np.uint8)),
                      ("t10k-images-idx3-ubyte", rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)),
                      ("t10k-labels-idx1-ubyte", np.array([4, 5], np.uint8))):
        write_idx(site / name, arr, compress=True)
        resources.append((name + ".gz", md5(site / (name + ".gz"))))

    class LocalMNIST(MNIST):
        pass

    LocalMNIST.resources = resources
    with serve(site) as url:
        LocalMNIST.mirrors = [f"http://127.0.0.1:{closed_port()}/", url]  # the first mirror is down
        ds = LocalMNIST(tmp_path / "data", download=True)
    assert len(ds) == 3 and ds[2][1] == 3
    assert sorted(os.listdir(tmp_path / "data" / "LocalMNIST" / "raw")) == sorted(r[0] for r in resources)
    LocalMNIST.mirrors = [f"http://127.0.0.1:{closed_port()}/"]
    assert len(LocalMNIST(tmp_path / "data", download=True, train=False)) == 2  # files present: no network


def test_mnist_download_offline_names_the_folder(tmp_path):
    class OfflineMNIST(MNIST):
        mirrors = [f"http://127.0.0.1:{closed_port()}/"]

    with pytest.raises(RuntimeError, match=r"(?s)Could not download train-images-idx3-ubyte.gz from any mirror.*"
                                           r"Put train-images-idx3-ubyte.gz \(md5 f68b3c2dcbeaaa9fbdd348bbdeb94873\) "
                                           r"in .*OfflineMNIST/raw by hand."):
        OfflineMNIST(tmp_path, download=True)


def test_mnist_refuses_a_file_that_does_not_match_its_md5(tmp_path, monkeypatch):
    """The check after downloading is an error, not an ``assert`` that ``python -O`` strips."""
    import ember.vision.datasets.mnist as mnist_module

    def corrupt_download(url, root, filename, md5):
        os.makedirs(root, exist_ok=True)
        with open(os.path.join(root, filename), "wb") as f:
            f.write(b"not the published file")

    monkeypatch.setattr(mnist_module, "download_url", corrupt_download)
    with pytest.raises(RuntimeError, match=r"train-images-idx3-ubyte.gz does not match its published md5 "
                                           r"f68b3c2dcbeaaa9fbdd348bbdeb94873: delete it and download again"):
        MNIST(tmp_path, download=True)


def test_cifar_download_and_extract(tmp_path):
    from test_datasets import write_cifar
    staging = tmp_path / "staging"
    staging.mkdir()
    batches = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]
    write_cifar(staging, "cifar-10-batches-py", batches, "batches.meta", "label_names", "labels")
    site = tmp_path / "site"
    site.mkdir()
    with tarfile.open(site / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(staging / "cifar-10-batches-py", arcname="cifar-10-batches-py")

    class LocalCIFAR(CIFAR10):
        tgz_md5 = md5(site / "cifar-10-python.tar.gz")

    with serve(site) as url:
        LocalCIFAR.url = url + "cifar-10-python.tar.gz"
        ds = LocalCIFAR(tmp_path / "data", train=False, download=True)
    assert len(ds) == 4 and ds.classes[0] == "class0"


def test_extract_refuses_paths_outside_the_folder(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(RuntimeError, match=r"Refusing to extract '../escaped.txt'"):
        extract_archive(evil, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_extract_gz(tmp_path):
    with gzip.open(tmp_path / "x.bin.gz", "wb") as f:
        f.write(b"payload")
    extract_archive(tmp_path / "x.bin.gz")
    assert (tmp_path / "x.bin").read_bytes() == b"payload"
