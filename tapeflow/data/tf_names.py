"""The class names TensorFlow 2.21's repr gives datasets (`<_BatchDataset element_spec=...>`),
which tapeflow's reprs show too: printed datasets in TF's guides and notebooks read the same.
"""

from __future__ import annotations

# Where TF's name is not "_" + tapeflow's class name + "Dataset".
_TF_NAMES = {
    "TensorSlices": "_TensorSliceDataset",
    "ListDataset": "_TensorSliceDataset",
    "FromTensors": "_TensorDataset",
    "FromGenerator": "_FlatMapDataset",
    "Cache": "CacheDataset",
    "RaggedBatch": "_BatchDataset",
    "TextLineDataset": "TextLineDatasetV2",
    "TFRecordDataset": "TFRecordDatasetV2",
    "FixedLengthRecordDataset": "FixedLengthRecordDatasetV2",
    "CsvDataset": "CsvDatasetV2",
    "ChooseFromDatasets": "_DirectedInterleaveDataset",
    "_AssertCardinality": "_AssertCardinalityDataset",
    "PassThrough": "_OptionsDataset",
}


def named(dataset, tf_name: str):
    """Marks an instance whose class serves several of TF's datasets (map with
    num_parallel_calls is TF's _ParallelMapDataset, flat_map its _FlatMapDataset)."""
    dataset._tf_name = tf_name
    return dataset


def repr_name(dataset) -> str:
    cls = type(dataset).__name__
    return getattr(dataset, "_tf_name", None) or _TF_NAMES.get(cls) or f"_{cls}Dataset"
