"""Writes tfrecord.json: TFRecord files as TensorFlow 2.21 writes them (plain, GZIP, ZLIB),
the records TF reads back, and TF's errors for damaged files and bad fixed-length bodies.

Run with TensorFlow installed: `python tests/golden/make_tfrecord.py`.
"""

import base64
import json
import os
import tempfile
from pathlib import Path

import tensorflow as tf

RECORDS = [b"hello", "w\u00f6rld".encode(), b"", bytes(range(256)), b"x" * 3000]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _error(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the golden records TF's error class and text
        return [type(e).__name__, getattr(e, "message", str(e))]
    return None


def main():
    out = {"records": [_b64(r) for r in RECORDS], "files": {}, "errors": {}}
    tmp = tempfile.mkdtemp()
    example = tf.train.Example(
        features=tf.train.Features(
            feature={
                "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[7])),
                "pixels": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5, 1.5])),
            }
        )
    ).SerializeToString()
    out["example"] = _b64(example)
    for kind in ("", "GZIP", "ZLIB"):
        path = os.path.join(tmp, f"r{kind}.tfrecord")
        with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type=kind)) as w:
            for r in RECORDS + [example]:
                w.write(r)
        read = [t.numpy() for t in tf.data.TFRecordDataset(path, compression_type=kind)]
        assert read == RECORDS + [example]
        out["files"][kind or "NONE"] = _b64(Path(path).read_bytes())
    plain = Path(os.path.join(tmp, "r.tfrecord")).read_bytes()

    def read(data):
        path = os.path.join(tmp, "damaged.tfrecord")
        Path(path).write_bytes(data)
        return lambda: [t.numpy() for t in tf.data.TFRecordDataset(path)]

    out["errors"]["data_byte_flipped"] = _error(read(plain[:14] + b"X" + plain[15:]))
    out["errors"]["length_crc_flipped"] = _error(read(plain[:9] + b"\x00" + plain[10:]))
    out["errors"]["last_record_cut"] = _error(read(plain[:-3]))
    out["errors"]["missing_file"] = _error(
        lambda: [t for t in tf.data.TFRecordDataset(os.path.join(tmp, "missing.tfrecord"))]
    )
    fixed = os.path.join(tmp, "fixed.bin")
    Path(fixed).write_bytes(b"HH" + b"abcdefgh" + b"F")
    out["fixed_records"] = [
        t.numpy().decode()
        for t in tf.data.FixedLengthRecordDataset(fixed, 4, header_bytes=2, footer_bytes=1)
    ]
    Path(fixed).write_bytes(b"HH" + b"abcdefg" + b"F")
    out["errors"]["fixed_partial_body"] = _error(
        lambda: [t for t in tf.data.FixedLengthRecordDataset(fixed, 4, 2, 1)]
    )
    target = Path(__file__).with_name("tfrecord.json")
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
