"""Every batching rule (ops/batching.py) against a loop over the examples, on the op's own
samples: each floating input batched (3 draws stacked), and each one alone batched."""

import numpy as np
import pytest

from tapeflow.core.registry import registered_ops
from tapeflow.func.vmap import batched_call
from tapeflow.ops.batching import RULES
from tapeflow.testing.gradcheck import sample_inputs, wrap

CASES = [
    (name, k)
    for name, op in sorted(registered_ops().items())
    if name in RULES and not op.stateful and op.samples
    for k in range(len(op.samples))
]
EXAMPLES = 3


def _run(op, sample, rng, which):
    draws = [sample_inputs(op, sample, rng) for _ in range(EXAMPLES)]
    floats = [i for i, a in enumerate(draws[0]) if a.dtype.kind == "f"]
    batched = [i in floats and (which is None or i == which) for i in range(len(draws[0]))]
    args = [
        wrap(np.stack([d[i] for d in draws])) if b else wrap(draws[0][i])
        for i, b in enumerate(batched)
    ]

    def call(*xs):
        return op(*xs, **sample.attrs)

    got = batched_call(call, args, batched, EXAMPLES, fallback=False)
    got = got if isinstance(got, tuple) else (got,)
    for e in range(EXAMPLES):
        example = [wrap(d[i]) if b else wrap(draws[0][i]) for i, (d, b) in
                   enumerate(zip([draws[e]] * len(batched), batched))]  # fmt: skip
        want = call(*example)
        want = want if isinstance(want, tuple) else (want,)
        for g, w in zip(got, want):
            np.testing.assert_allclose(
                np.asarray(g.numpy()[e]), np.asarray(w.numpy()), rtol=1e-9, atol=1e-12
            )
    return floats


@pytest.mark.parametrize("name, k", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_rule_matches_a_loop(name, k):
    op = registered_ops()[name]
    sample = op.samples[k]
    floats = _run(op, sample, np.random.default_rng(7), None)
    if len(floats) > 1:  # each input alone batched: the mixed cases of the rule
        for i in floats:
            _run(op, sample, np.random.default_rng(7), i)


def test_rules_cover_the_ops_that_per_example_gradients_meet():
    # Dense, Conv2D and pooling models, their losses and their backward passes.
    needed = """MatMul BatchMatMulV2 BiasAdd Relu ReluGrad Softmax LogSoftmax Sum Mean Max
    Reshape Transpose Conv2D Conv2DBackpropInput Conv2DBackpropFilter MaxPool MaxPoolGrad
    AvgPool AvgPoolGrad GatherV2 GatherNd ScatterNd UnsortedSegmentSum OneHot
    SparseSoftmaxCrossEntropyWithLogits SoftmaxCrossEntropyWithLogits Einsum StridedSlice
    StridedSliceGrad ConcatV2 Pack Unpack SplitV Tile BroadcastTo Cast SelectV2""".split()
    assert [n for n in needed if n not in RULES] == []


def test_every_op_marked_batchable_has_a_rule():
    # The registry marks ops whose vjp takes a batch of upstream gradients; vmap and
    # tape.jacobian meet their forwards too.
    ops = registered_ops()
    assert [n for n, op in sorted(ops.items()) if op.batchable and n not in RULES] == []
