"""The generic gradient test: every registered op, every sample, first and second order."""

import numpy as np
import pytest

import tapeflow  # noqa: F401  (registers every op)
from tapeflow.core.registry import registered_ops
from tapeflow.testing import gradcheck

OPS = registered_ops()

CASES = [
    pytest.param(op, sample, id=f"{name}-{i}")
    for name, op in sorted(OPS.items())
    if op.differentiable and op.samples
    for i, sample in enumerate(op.samples)
]


def _close(analytic, numeric, op, order):
    rtol = op.check.get(f"rtol{order}", 1e-5)
    atol = op.check.get(f"atol{order}", 1e-6)
    assert abs(analytic - numeric) <= atol + rtol * max(abs(analytic), abs(numeric)), (
        f"{op.name}: analytic {analytic!r} vs numeric {numeric!r}"
    )


@pytest.mark.parametrize("op, sample", CASES)
def test_first_order(op, sample):
    rng = np.random.default_rng(0)
    analytic, numeric = gradcheck.first_order(op, sample, rng)
    _close(analytic, numeric, op, 1)


@pytest.mark.parametrize("op, sample", [c for c in CASES if c.values[0].second_order])
def test_second_order(op, sample):
    rng = np.random.default_rng(1)
    analytic, numeric = gradcheck.second_order(op, sample, rng)
    _close(analytic, numeric, op, 2)


@pytest.mark.parametrize("op, sample", [c for c in CASES if c.values[0].batchable])
def test_batched_vjp_matches_row_by_row(op, sample):
    rng = np.random.default_rng(2)
    fast, slow = gradcheck.batched_jacobian_matches(op, sample, rng)
    for f, s in zip(fast, slow):
        np.testing.assert_allclose(f, s, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_is_covered(name):
    op = OPS[name]
    if op.differentiable:
        assert op.samples, f"{name} is differentiable but declares no samples"
        assert op.vjp_fn is not None, f"{name} is differentiable but has no vjp"
    else:
        assert op.samples, f"{name} declares no samples for the forward test"
