"""Writes summary.json: Keras 3's `model.summary()` text for tests/keras/test_summary.py.

Run with the reference environment: `/work/tfref/bin/python tests/golden/make_summary.py`.
The models come from summary_cases.py; the text is what `print_fn` receives (rich renders it
without colours then), with COLUMNS set as each case says.
"""

import json
import os
import pathlib
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import summary_cases  # noqa: E402

OUT = pathlib.Path(__file__).with_name("summary.json")


def text_of(model, kwargs, columns):
    os.environ["COLUMNS"] = str(columns)
    printed = []
    model.summary(print_fn=printed.append, **kwargs)
    (text,) = printed  # Keras 3 calls print_fn once, with the whole table
    return text


def main():
    texts = {}
    cases = summary_cases.cases(keras)
    for name, (model, kwargs, columns) in cases.items():
        texts[name] = text_of(model, kwargs, columns)
    sequential = cases["sequential"][0]
    sequential.compile(optimizer="adam", loss="binary_crossentropy")
    x, y = summary_cases.training_data()
    sequential.fit(x, y, epochs=1, batch_size=8, verbose=0)
    texts["sequential_trained"] = text_of(sequential, {}, summary_cases.COLUMNS)
    model = summary_cases.subclassed(keras)
    texts["subclassed_unbuilt"] = text_of(model, {}, summary_cases.COLUMNS)
    model(summary_cases.subclassed_input())
    texts["subclassed"] = text_of(model, {}, summary_cases.COLUMNS)
    OUT.write_text(
        json.dumps({"keras": keras.__version__, "texts": texts}, indent=1, ensure_ascii=False)
        + "\n"
    )
    print(f"wrote {OUT.name}: {len(texts)} summaries")


if __name__ == "__main__":
    main()
