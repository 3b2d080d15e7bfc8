"""SummaryWriter writes real event files: read them back record by record."""

import struct

import numpy as np
from tensorboardX.proto import event_pb2  # ember-nn[tensorboard], installed by the nn env

import ember
from ember.utils.tensorboard import SummaryWriter


def read_events(log_dir):
    """Every Event in the TFRecord event files under ``log_dir``."""
    events = []
    for path in sorted(log_dir.rglob("events.out.tfevents.*")):
        data = path.read_bytes()
        pos = 0
        while pos < len(data):
            (length,) = struct.unpack("<Q", data[pos:pos + 8])
            pos += 12  # length and its crc
            event = event_pb2.Event()
            event.ParseFromString(data[pos:pos + length])
            events.append((path.parent.relative_to(log_dir).as_posix(), event))
            pos += length + 4  # payload and its crc
    return events


def test_scalars_histograms_images_text_roundtrip(tmp_path):
    with SummaryWriter(tmp_path / "run") as writer:
        for step in range(3):
            writer.add_scalar("loss/train", ember.tensor(1.0 / (step + 1)), step)
        writer.add_scalars("acc", {"train": 0.9, "val": ember.tensor(0.8)}, 2)
        writer.add_histogram("weights", ember.randn(100), 1)
        writer.add_image("digit", ember.rand(3, 8, 8), 0)
        writer.add_text("note", "hello", 0)
    events = read_events(tmp_path)
    values = {}
    for _, e in events:
        for v in e.summary.value:
            values.setdefault(v.tag, []).append((e.step, v))
    assert [(s, round(v.simple_value, 4)) for s, v in values["loss/train"]] == [(0, 1.0), (1, 0.5), (2, 0.3333)]
    hist = values["weights"][0][1].histo
    assert hist.num == 100 and np.isclose(sum(hist.bucket), 100)
    image = values["digit"][0][1].image
    assert (image.height, image.width) == (8, 8) and image.encoded_image_string.startswith(b"\x89PNG")
    sub_runs = {run for run, e in events if any(v.tag == "acc" for v in e.summary.value)}
    assert {run.rsplit("/", 1)[-1].rsplit("_", 1)[-1] for run in sub_runs} == {"train", "val"}
    assert any(v.tag.startswith("note") for vs in values.values() for _, v in vs)


def test_log_dir_is_created_and_reported(tmp_path):
    writer = SummaryWriter(tmp_path / "exp")
    writer.add_scalar("x", 1.0, 0)
    writer.flush()
    assert writer.get_logdir() == str(tmp_path / "exp")
    assert list((tmp_path / "exp").glob("events.out.tfevents.*"))
    writer.close()


def test_new_style_scalars_are_tensors_for_the_scalars_plugin(tmp_path):
    with SummaryWriter(tmp_path / "run") as writer:
        writer.add_scalar("a", ember.tensor(0.25), 1, new_style=True)
        writer.add_scalar("b", 1 / 3, 2, new_style=True, double_precision=True)
        writer.add_scalar("c", 0.5, 3)
    values = {v.tag: (e.step, v) for _, e in read_events(tmp_path) for v in e.summary.value}
    step, a = values["a"]
    assert step == 1 and list(a.tensor.float_val) == [0.25] and a.tensor.dtype == 1   # DT_FLOAT
    assert a.metadata.plugin_data.plugin_name == "scalars" and not a.HasField("simple_value")
    step, b = values["b"]
    assert step == 2 and list(b.tensor.double_val) == [1 / 3] and b.tensor.dtype == 2   # DT_DOUBLE
    assert values["c"][1].simple_value == 0.5
