"""Datasets read from files the tests write in the standard formats."""

import gzip
import pickle
import struct

import numpy as np
import pytest
from PIL import Image

import ember
import ember.vision.transforms as T
from ember.vision.datasets import CIFAR10, CIFAR100, MNIST, DatasetFolder, Digits, FakeData, FashionMNIST, ImageFolder


def write_idx(path, arr: np.ndarray, compress: bool):
    code = {np.uint8: 0x08, np.int32: 0x0C}[arr.dtype.type]
    payload = bytes([0, 0, code, arr.ndim]) + struct.pack(f">{arr.ndim}i", *arr.shape)
    payload += arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if compress else open
    with opener(str(path) + (".gz" if compress else ""), "wb") as f:
        f.write(payload)


def mnist_root(tmp_path, name="MNIST", compress=True, n=5):
    raw = tmp_path / name / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, n).astype(np.uint8)
    for prefix, count in (("train", n), ("t10k", 2)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", images[:count], compress)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", labels[:count], compress)
    return images, labels


@pytest.mark.parametrize("compress", [True, False])
def test_mnist_reads_idx_files(tmp_path, compress):
    images, labels = mnist_root(tmp_path, compress=compress)
    ds = MNIST(tmp_path, train=True)
    assert len(ds) == 5 and ds.data.dtype == ember.uint8 and ds.targets.dtype == ember.int64
    img, target = ds[3]
    assert img.mode == "L" and img.size == (28, 28) and target == int(labels[3])
    np.testing.assert_array_equal(np.asarray(img), images[3])
    test = MNIST(tmp_path, train=False, transform=T.ToTensor(), target_transform=lambda y: y + 100)
    x, y = test[1]
    assert len(test) == 2 and tuple(x.shape) == (1, 28, 28) and y == int(labels[1]) + 100
    assert repr(test).startswith(f"Dataset MNIST\n    Number of datapoints: 2\n    Root location: {tmp_path}\n"
                                 f"    Split: Test\n    StandardTransform\nTransform: ToTensor()")


def test_fashion_mnist_uses_its_own_folder_and_classes(tmp_path):
    mnist_root(tmp_path, name="FashionMNIST")
    ds = FashionMNIST(tmp_path)
    assert len(ds) == 5 and ds.classes[9] == "Ankle boot" and ds.class_to_idx["Trouser"] == 1


def test_mnist_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(RuntimeError, match=r"Dataset not found: MNIST needs train-images-idx3-ubyte and "
                                           r"train-labels-idx1-ubyte \(or the same names with .gz\) in .*MNIST/raw"):
        MNIST(tmp_path)


def test_truncated_idx_file_is_named(tmp_path):
    mnist_root(tmp_path, compress=False)
    path = tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match=r"IDX file '.*train-images-idx3-ubyte' is truncated or corrupt: its "
                                           r"header says shape \(5, 28, 28\)"):
        MNIST(tmp_path)
    path.write_bytes(b"GIF89a" + bytes(100))
    with pytest.raises(RuntimeError, match="is not an IDX file"):
        MNIST(tmp_path)


def write_cifar(tmp_path, folder, batches, meta_name, meta_key, label_key, n=4, classes=10):
    root = tmp_path / folder
    root.mkdir()
    rng = np.random.default_rng(1)
    written = {}
    for name in batches:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = [int(v) for v in rng.integers(0, classes, n)]
        with open(root / name, "wb") as f:
            pickle.dump({"batch_label": "b", label_key: labels, "data": data, "filenames": ["x"] * n}, f, protocol=2)
        written[name] = (data, labels)
    with open(root / meta_name, "wb") as f:
        pickle.dump({meta_key: [f"class{i}" for i in range(classes)]}, f, protocol=2)
    return written


def test_cifar10_reads_python_batches(tmp_path):
    batches = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"]
    written = write_cifar(tmp_path, "cifar-10-batches-py", batches, "batches.meta", "label_names", "labels")
    ds = CIFAR10(tmp_path, train=True)
    assert len(ds) == 20 and ds.data.shape == (20, 32, 32, 3) and ds.classes[3] == "class3"
    img, target = ds[5]  # second image of data_batch_2
    data, labels = written["data_batch_2"]
    np.testing.assert_array_equal(np.asarray(img), data[1].reshape(3, 32, 32).transpose(1, 2, 0))
    assert target == labels[1] and img.mode == "RGB"
    assert len(CIFAR10(tmp_path, train=False)) == 4


def test_cifar100_uses_fine_labels(tmp_path):
    written = write_cifar(tmp_path, "cifar-100-python", ["train", "test"], "meta", "fine_label_names", "fine_labels",
                          classes=100)
    ds = CIFAR100(tmp_path, train=False)
    assert ds.targets == written["test"][1] and len(ds.classes) == 100


def test_cifar_batches_cannot_run_code(tmp_path):
    write_cifar(tmp_path, "cifar-10-batches-py", ["test_batch"], "batches.meta", "label_names", "labels")

    class Exploit:
        def __reduce__(self):
            return (print, ("pwned",))

    with open(tmp_path / "cifar-10-batches-py" / "test_batch", "wb") as f:
        pickle.dump({"data": Exploit(), "labels": []}, f)
    with pytest.raises(RuntimeError, match=r"asks to load builtins.print, which a CIFAR batch never contains"):
        CIFAR10(tmp_path, train=False)


def test_cifar_missing_files(tmp_path):
    with pytest.raises(RuntimeError, match=r"Dataset not found: CIFAR10 needs test_batch, batches.meta in "
                                           r".*cifar-10-batches-py \(extract cifar-10-python.tar.gz"):
        CIFAR10(tmp_path, train=False)


def make_tree(tmp_path, spec):
    for cls, files in spec.items():
        (tmp_path / cls).mkdir(parents=True, exist_ok=True)
        for i, name in enumerate(files):
            if name.endswith(".txt"):
                continue
            Image.new("RGB", (6 + i, 4), (10 * i, 50, 90)).save(tmp_path / cls / name)


def test_image_folder(tmp_path):
    make_tree(tmp_path, {"dog": ["b.png", "a.jpg", "notes.txt"], "cat": ["z.png"]})
    (tmp_path / "dog" / "notes.txt").write_text("not an image")
    ds = ImageFolder(tmp_path, transform=T.ToTensor())
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert [p.split("/")[-1] for p, _ in ds.samples] == ["z.png", "a.jpg", "b.png"] and ds.targets == [0, 1, 1]
    x, y = ds[2]
    assert tuple(x.shape) == (3, 4, 6) and y == 1 and ds.imgs is ds.samples


def test_dataset_folder_with_is_valid_file_and_loader(tmp_path):
    make_tree(tmp_path, {"a": ["1.png", "2.png"], "b": ["3.png"]})
    ds = DatasetFolder(tmp_path, loader=lambda p: p.split("/")[-1], is_valid_file=lambda p: not p.endswith("2.png"))
    assert [ds[i] for i in range(len(ds))] == [("1.png", 0), ("3.png", 1)]
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        DatasetFolder(tmp_path, loader=str)


def test_empty_class_folder_is_named(tmp_path):
    make_tree(tmp_path, {"cat": ["1.png"]})
    (tmp_path / "dog").mkdir()
    (tmp_path / "dog" / "readme.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match=r"Found no valid file for the classes dog. Supported extensions are: "
                                                r".jpg, .jpeg, .png"):
        ImageFolder(tmp_path)
    assert len(ImageFolder(tmp_path, allow_empty=True)) == 1
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder in"):
        ImageFolder(tmp_path / "cat")


def test_image_folder_corrupt_file_error_names_it(tmp_path):
    make_tree(tmp_path, {"cat": ["ok.png"]})
    (tmp_path / "cat" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0garbage")
    ds = ImageFolder(tmp_path)
    with pytest.raises(OSError, match=r"broken\.jpg"):
        ds[0]


def test_fake_data_is_deterministic_and_leaves_global_rng_alone():
    ds = FakeData(size=4, image_size=(3, 8, 6), num_classes=3, transform=T.PILToTensor())
    ember.manual_seed(0)
    before = ember.rand(1).item()
    ember.manual_seed(0)
    a, ya = ds[2]
    assert ember.rand(1).item() == before
    b, yb = ds[2]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert ya == yb and 0 <= ya < 3 and tuple(a.shape) == (3, 8, 6)
    assert not np.array_equal(ds[1][0].numpy(), a.numpy())
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[4]


def test_digits_wraps_sklearn():
    import sklearn.datasets as sklearn_datasets  # the vision env installs scikit-learn
    bunch = sklearn_datasets.load_digits()
    train, test = Digits(train=True), Digits(train=False)
    assert len(train) == 1437 and len(test) == 360
    img, y = test[0]
    assert img.mode == "L" and img.size == (8, 8) and y == int(bunch.target[1437])
    np.testing.assert_array_equal(np.asarray(img), np.round(bunch.images[1437] * 255 / 16).astype(np.uint8))
    assert train.targets.dtype == ember.int64


def test_dataloader_batches_an_image_folder(tmp_path):
    import ember.utils.data as data
    make_tree(tmp_path, {"a": ["1.png", "2.png"], "b": ["3.png", "4.png"]})
    ds = ImageFolder(tmp_path, transform=T.Compose([T.Resize((4, 4)), T.ToTensor()]))
    batches = list(data.DataLoader(ds, batch_size=2))
    assert len(batches) == 2 and tuple(batches[0][0].shape) == (2, 3, 4, 4)
    assert batches[1][1].tolist() == [1, 1]
