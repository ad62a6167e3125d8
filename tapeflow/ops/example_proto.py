"""`tf.train.Example` and its parts as protobuf messages (needs the `protobuf` package).

The messages are built from their schema (TensorFlow's example.proto / feature.proto) in a
private descriptor pool, so they serialize to the same bytes as TensorFlow's and never clash
with another copy of the same schema (TensorBoard's) in the default pool. Imported on first
use of `tf.train.Example` & co.; `import tapeflow` never loads protobuf.
"""

from __future__ import annotations

try:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
except ImportError as e:  # pragma: no cover - protobuf is optional
    raise ImportError("tf.train.Example needs the protobuf package: pip install protobuf") from e

_F = descriptor_pb2.FieldDescriptorProto


def _field(message, name, number, kind, label=_F.LABEL_OPTIONAL, type_name=None, packed=False,
           oneof=None):  # fmt: skip
    f = message.field.add(name=name, number=number, type=kind, label=label)
    if type_name:
        f.type_name = type_name
    if packed:
        f.options.packed = True
    if oneof is not None:
        f.oneof_index = oneof
    return f


def _build():
    proto = descriptor_pb2.FileDescriptorProto(
        name="tapeflow/example.proto", package="tensorflow", syntax="proto3"
    )
    bytes_list = proto.message_type.add(name="BytesList")
    _field(bytes_list, "value", 1, _F.TYPE_BYTES, _F.LABEL_REPEATED)
    float_list = proto.message_type.add(name="FloatList")
    _field(float_list, "value", 1, _F.TYPE_FLOAT, _F.LABEL_REPEATED, packed=True)
    int64_list = proto.message_type.add(name="Int64List")
    _field(int64_list, "value", 1, _F.TYPE_INT64, _F.LABEL_REPEATED, packed=True)
    feature = proto.message_type.add(name="Feature")
    feature.oneof_decl.add(name="kind")
    _field(feature, "bytes_list", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.BytesList", oneof=0)
    _field(feature, "float_list", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.FloatList", oneof=0)
    _field(feature, "int64_list", 3, _F.TYPE_MESSAGE, type_name=".tensorflow.Int64List", oneof=0)
    features = proto.message_type.add(name="Features")
    entry = features.nested_type.add(name="FeatureEntry")
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_MESSAGE, type_name=".tensorflow.Feature")
    _field(features, "feature", 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED,
           type_name=".tensorflow.Features.FeatureEntry")  # fmt: skip
    example = proto.message_type.add(name="Example")
    _field(example, "features", 1, _F.TYPE_MESSAGE, type_name=".tensorflow.Features")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    names = ("BytesList", "FloatList", "Int64List", "Feature", "Features", "Example")
    return {
        n: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"tensorflow.{n}"))
        for n in names
    }


_CLASSES = _build()
BytesList = _CLASSES["BytesList"]
FloatList = _CLASSES["FloatList"]
Int64List = _CLASSES["Int64List"]
Feature = _CLASSES["Feature"]
Features = _CLASSES["Features"]
Example = _CLASSES["Example"]
