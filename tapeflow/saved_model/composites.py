"""RaggedTensor and SparseTensor arguments and results of a loaded SavedModel: the classes
a file may name (a fixed allow-list, looked up by name: nothing a file names is imported),
the checks of their documents, and their specs."""

from __future__ import annotations


def _composite_classes() -> dict:
    """The composite tensors a SavedModel may hold, by the fixed names `save` records: a
    file names one of these, never a class to import."""
    from ..core.ragged import RaggedTensor
    from ..core.sparse import SparseTensor

    return {"RaggedTensor": RaggedTensor, "SparseTensor": SparseTensor}


def _composite_class(doc, where):
    name = doc.get("composite")
    classes = _composite_classes()
    if not isinstance(name, str) or name not in classes:
        raise ValueError(
            f"{where}: composite tensor {name!r:.60} is not one tapeflow restores "
            f"(only {', '.join(sorted(classes))})"
        )
    return classes[name]


def _check_composites(doc, key, count, where):
    """Every composite in a structure (`key` "args") or outputs ("outs") document names an
    allowed class and valid component indices (below `count`)."""
    if isinstance(doc, list):
        for v in doc:
            _check_composites(v, key, count, where)
    elif isinstance(doc, dict):
        if "composite" in doc:
            _composite_class(doc, where)
            parts = doc.get(key)
            if (
                not isinstance(parts, list)
                or not parts
                or not all(type(i) is int and 0 <= i < count for i in parts)
            ):
                raise ValueError(f"{where}: composite tensor {key} {parts!r:.60}")
            return
        for v in doc.get("t", []) if isinstance(doc.get("t"), list) else []:
            _check_composites(v, key, count, where)
        for v in doc.get("d", {}).values() if isinstance(doc.get("d"), dict) else []:
            _check_composites(v, key, count, where)


def _composite_example(x):
    """A value of a RaggedTensorSpec or SparseTensorSpec (two rows, two values); other
    values as they are."""
    from ..core.ragged_spec import RaggedTensorSpec
    from ..core.sparse import SparseTensorSpec

    return x._example(2) if isinstance(x, (RaggedTensorSpec, SparseTensorSpec)) else x


def _composite_spec(doc, specs):
    """The RaggedTensorSpec or SparseTensorSpec of a composite, from its component specs
    and the sizes its document gives (checked: a list of ints or None of the rank)."""
    from ..core.ragged_spec import RaggedTensorSpec
    from ..core.sparse import SparseTensorSpec

    saved = doc.get("shape")
    sizes = isinstance(saved, list) and all(d is None or type(d) is int and d >= 0 for d in saved)
    saved = saved if sizes else None
    spec_class = SparseTensorSpec if doc["composite"] == "SparseTensor" else RaggedTensorSpec
    return spec_class._from_component_specs(specs, saved)
