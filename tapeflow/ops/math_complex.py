"""Complex numbers from and to their parts: `tf.complex`, `tf.math.real`, `tf.math.imag`.

No gradient flows through them yet: the tape carries float tensors only, and the vjps of
the arithmetic ops are written for real numbers (complex ones need conjugates), so these
ops are declared non-differentiable rather than giving a wrong gradient. The vjps below are
TF's (complex(re, im) -> (real(g), imag(g)); real -> complex(g, 0); imag -> complex(0, g)),
ready for when the engine carries complex gradients.
"""

from __future__ import annotations

from ..backend import xp
from ..core import dtypes
from ..core.registry import Sample, op
from ..core.tensor import convert_to_tensor

_PARTS = [Sample((3, 4), (3, 4)), Sample((2, 3), (3,))]
_TO_COMPLEX = {"float32": "complex64", "float64": "complex128"}


def dtype_unit(dtype):
    """The imaginary unit as a scalar of `dtype` (no promotion when multiplied)."""
    return xp.asarray(1j, dtype=dtype)


def _complex_sample(rng):
    return rng.standard_normal((3, 4)) + 1j * rng.standard_normal((3, 4))


@op("Complex", differentiable=False, samples=_PARTS)
def _complex(re, im):
    dtype = _TO_COMPLEX[re.dtype.name]
    return re.astype(dtype) + im.astype(dtype) * dtype_unit(dtype)


@_complex.vjp
def _complex_vjp(g, ans, re, im):
    return real(g), imag(g)


def complex(real, imag, name=None):  # noqa: A001 - TF's name
    """The complex tensor real + i * imag: float32 parts give complex64, float64 parts
    complex128 (both parts of one dtype)."""
    re, im = convert_to_tensor(real), convert_to_tensor(imag)  # each on its own, as TF
    if re.dtype is not im.dtype or re.dtype not in (dtypes.float32, dtypes.float64):
        raise TypeError(
            f"The `real` and `imag` components have incorrect types: {re.dtype.name} "
            f"{im.dtype.name}. They must be consistent, and one of [tf.float32, tf.float64]"
        )
    return _complex(re, im)


@op("Real", differentiable=False, samples=[Sample(_complex_sample)])
def _real(x):
    return xp.real(x).copy()


@_real.vjp
def _real_vjp(g, ans, x):
    if not x.dtype.is_complex:
        return (g,)
    return (_complex(g, g * 0.0),)


@op("Imag", differentiable=False, samples=[Sample(_complex_sample)])
def _imag(x):
    return xp.imag(x).copy()


@_imag.vjp
def _imag_vjp(g, ans, x):
    if not x.dtype.is_complex:
        return (g * 0.0,)
    return (_complex(g * 0.0, g),)


def real(input, name=None):  # noqa: A002 - TF's argument name
    """The real part of a complex tensor (a real tensor is returned as it is)."""
    x = _numeric(input)
    return _real(x) if x.dtype.is_complex else x


def imag(input, name=None):  # noqa: A002 - TF's argument name
    """The imaginary part of a complex tensor (zeros for a real tensor)."""
    x = _numeric(input)
    return _imag(x) if x.dtype.is_complex else x * 0


def _numeric(value):
    x = convert_to_tensor(value)
    if x.dtype in (dtypes.bool, dtypes.string):
        raise TypeError(
            f"input must be a numeric tensor, but got tensor with dtype {x.dtype.name}"
        )
    return x


API = {"tf": ["complex"], "math": ["real", "imag"]}
