"""ember.vision.io: reading every mode, EXIF orientation, and the errors for bad files."""

import io

import numpy as np
import pytest
from conftest import photo_path, synthetic
from PIL import Image

import ember
from ember.vision.io import (
    ImageReadError,
    ImageReadMode,
    decode_image,
    encode_jpeg,
    encode_png,
    open_image,
    read_file,
    read_image,
    write_jpeg,
    write_png,
)


def test_read_image_of_a_photo_equals_pillow():
    path = photo_path("flower.jpg")
    t = read_image(path)
    assert t.dtype == ember.uint8 and tuple(t.shape) == (3, 427, 640)
    np.testing.assert_array_equal(t.numpy(), np.asarray(Image.open(path).convert("RGB")).transpose(2, 0, 1))
    gray = read_image(path, ImageReadMode.GRAY)
    np.testing.assert_array_equal(gray.numpy()[0], np.asarray(Image.open(path).convert("L")))
    assert tuple(read_image(path, ImageReadMode.RGB_ALPHA).shape) == (4, 427, 640)


@pytest.mark.parametrize("mode,fmt,channels", [("L", "PNG", 1), ("LA", "PNG", 2), ("RGB", "PNG", 3), ("RGBA", "PNG", 4),
                                               ("P", "PNG", 3), ("CMYK", "JPEG", 3), ("I;16", "PNG", 1),
                                               ("I", "TIFF", 1), ("1", "PNG", 1)])
def test_read_image_every_mode(tmp_path, mode, fmt, channels):
    img = synthetic(mode)
    path = tmp_path / f"img.{fmt.lower()}"
    img.save(path, format=fmt)
    t = read_image(path)
    assert tuple(t.shape) == (channels, 9, 13)
    reread = Image.open(path)
    if mode in ("I;16", "I"):
        assert t.dtype == ember.int32
        np.testing.assert_array_equal(t.numpy()[0], np.asarray(reread).astype(np.int64))
    elif mode == "P":
        np.testing.assert_array_equal(t.numpy(), np.asarray(reread.convert("RGB")).transpose(2, 0, 1))
    elif mode == "CMYK":
        np.testing.assert_array_equal(t.numpy(), np.asarray(reread.convert("RGB")).transpose(2, 0, 1))


def test_16_bit_png_keeps_its_range(tmp_path):
    Image.fromarray(np.array([[0, 300, 65535]], dtype=np.uint16)).save(tmp_path / "deep.png")
    t = read_image(tmp_path / "deep.png")
    assert t.dtype == ember.int32 and t.numpy().ravel().tolist() == [0, 300, 65535]
    assert read_image(tmp_path / "deep.png", ImageReadMode.RGB).numpy()[:, 0, 2].tolist() == [65535] * 3


def exif_photo(tmp_path, orientation: int):
    img = Image.new("RGB", (4, 2), (0, 0, 0))
    img.putpixel((0, 0), (255, 0, 0))  # red in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"o{orientation}.png"
    img.save(path, exif=exif)
    return path


def test_exif_orientation_is_applied_on_load(tmp_path):
    path = exif_photo(tmp_path, 6)  # 6: rotate 90 clockwise to display
    t = read_image(path)
    assert tuple(t.shape) == (3, 4, 2)
    assert t.numpy()[0, 0, 1] == 255 and t.numpy()[0].sum() == 255  # red is now top-right
    raw = read_image(path, apply_exif_orientation=False)
    assert tuple(raw.shape) == (3, 2, 4)
    assert open_image(path).size == (2, 4)
    from ember.vision.datasets.folder import pil_loader
    assert pil_loader(path).size == (2, 4)


def test_truncated_file_error_names_the_file(tmp_path):
    data = open(photo_path("china.jpg"), "rb").read()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ImageReadError, match=r"Could not read image file '.*cut\.jpg': image file is truncated"):
        read_image(path)
    with pytest.raises(RuntimeError, match="cut.jpg"):
        read_image(path)
    with pytest.raises(OSError, match="cut.jpg"):
        open_image(path)


def test_corrupt_and_missing_files(tmp_path):
    bad = tmp_path / "noise.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(ImageReadError, match=r"noise\.png"):
        read_image(bad)
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    with pytest.raises(ImageReadError, match=r"Could not read image file '.*notes\.jpg'"):
        open_image(text)
    with pytest.raises(ImageReadError, match=r"Image file '.*nothing\.png' does not exist"):
        read_image(tmp_path / "nothing.png")


def test_decompression_bombs_are_refused(tmp_path, monkeypatch):
    path = tmp_path / "big.png"
    Image.new("L", (100, 100)).save(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5000)
    with pytest.raises(ImageReadError, match=r"Refusing to decode image file '.*big\.png': 100x100 = 10000 pixels"):
        read_image(path)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20000)
    assert tuple(read_image(path).shape) == (1, 100, 100)


def test_encode_decode_round_trip(tmp_path):
    t = ember.from_numpy(np.random.default_rng(0).integers(0, 256, (3, 8, 10), dtype=np.uint8))
    np.testing.assert_array_equal(decode_image(encode_png(t)).numpy(), t.numpy())
    write_png(t, tmp_path / "a.png")
    np.testing.assert_array_equal(read_image(tmp_path / "a.png").numpy(), t.numpy())
    assert read_file(tmp_path / "a.png").numpy().tobytes() == (tmp_path / "a.png").read_bytes()
    write_jpeg(t, tmp_path / "a.jpg", quality=95)
    back = read_image(tmp_path / "a.jpg").numpy()
    np.testing.assert_array_equal(back, np.asarray(Image.open(tmp_path / "a.jpg")).transpose(2, 0, 1))
    assert Image.open(tmp_path / "a.jpg").format == "JPEG"
    assert bytes(encode_jpeg(t).numpy()[:2]) == b"\xff\xd8"
    with pytest.raises(ValueError, match="Input tensor dtype should be uint8"):
        encode_png(ember.rand(3, 2, 2))
    with pytest.raises(ValueError, match="Image quality should be a positive number between 1 and 100"):
        encode_jpeg(t, quality=0)
    assert Image.open(io.BytesIO(encode_png(t).numpy().tobytes())).size == (10, 8)
