"""A NumPy-backed stand-in for CuPy, for tests only: TAPEFLOW_CUPY_STANDIN=1 runs the suite on
it (tests/conftest.py) to find NumPy calls that bypass the backend.

Its arrays wrap NumPy arrays and behave as CuPy's do where that matters: implicit conversion
to NumPy (`np.asarray(a)`, a NumPy function that converts its input) raises TypeError, as
does mixing a NumPy array into a CuPy operation; `cupy.asnumpy` / `.get()` are the explicit
way out. Everything else forwards to NumPy.
"""

from __future__ import annotations

import numpy as _np

__version__ = "0.0.0+numpy-standin"


def _fail_mix(what):
    raise TypeError(
        f"Unsupported type <class 'numpy.ndarray'> in {what}: the cupy stand-in refuses NumPy "
        f"arrays mixed with cupy arrays (as CuPy does); use cupy.asarray / cupy.asnumpy"
    )


def _unwrap(x, what):
    if type(x) is ndarray:
        return x._a
    if isinstance(x, _np.ndarray):
        if x.ndim == 0 or x.dtype == object:  # scalars, and string (object) arrays stay host
            return x
        _fail_mix(what)
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(v, what) for v in x)
    return x


def _wrap(x):
    if isinstance(x, _np.ndarray) and x.dtype != object:
        return ndarray._make(x)
    if isinstance(x, _np.generic) and x.dtype.kind in "biufcmM":
        return ndarray._make(_np.asarray(x))  # CuPy gives 0-d arrays, never NumPy scalars
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    if isinstance(x, list):
        return [_wrap(v) for v in x]
    return x


def _forward(fn, what):
    def call(*args, **kwargs):
        args = [_unwrap(a, what) for a in args]
        kwargs = {k: _unwrap(v, what) for k, v in kwargs.items()}
        return _wrap(fn(*args, **kwargs))

    call.__name__ = getattr(fn, "__name__", what)
    return call


class _UfuncProxy:
    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        out = kwargs.pop("out", None)
        if out is not None:
            target = out[0] if isinstance(out, tuple) else out
            result = self._ufunc(*[_unwrap(a, self.__name__) for a in args],
                                 out=_unwrap(target, self.__name__), **kwargs)  # fmt: skip
            return target if type(target) is ndarray else _wrap(result)
        return _wrap(self._ufunc(*[_unwrap(a, self.__name__) for a in args], **kwargs))

    def at(self, a, indices, b=None):
        args = (_unwrap(indices, "ufunc.at"),) + (() if b is None else (_unwrap(b, "ufunc.at"),))
        self._ufunc.at(_unwrap(a, "ufunc.at"), *args)

    def __getattr__(self, name):
        return _forward(getattr(self._ufunc, name), f"{self.__name__}.{name}")


class _MemoryPointer:
    """CuPy's `ndarray.data`: where the buffer starts (`ptr`)."""

    def __init__(self, ptr):
        self.ptr = ptr


class ndarray:
    """A CuPy-like array over a NumPy one."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 1000

    @classmethod
    def _make(cls, a):
        self = object.__new__(cls)
        self._a = a
        return self

    def __init__(self, shape, dtype=float):
        self._a = _np.empty(shape, dtype)

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
            "construct a NumPy array explicitly."
        )

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        proxy = _UfuncProxy(ufunc)
        if method == "__call__":
            return proxy(*inputs, **kwargs)
        return getattr(proxy, method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _forward(func, func.__name__)(*args, **kwargs)

    def get(self, stream=None, order="C", out=None):
        return self._a.copy()

    def __getattr__(self, name):
        if name.startswith("__array"):
            raise AttributeError(name)
        value = getattr(self._a, name)
        return _forward(value, name) if callable(value) else _wrap(value)

    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    @property
    def dtype(self):
        return self._a.dtype

    @property
    def data(self):
        return _MemoryPointer(self._a.__array_interface__["data"][0])

    @property
    def T(self):
        return _wrap(self._a.T)

    def __getitem__(self, key):
        return _wrap(self._a[_unwrap(key, "__getitem__")])

    def __setitem__(self, key, value):
        if isinstance(value, _np.ndarray) and value.ndim:
            _fail_mix("__setitem__")
        self._a[_unwrap(key, "__setitem__")] = _unwrap(value, "__setitem__")

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(self._a[i]) for i in range(len(self._a)))

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        return self._a.__index__()

    def __bool__(self):
        return bool(self._a)

    def __complex__(self):
        return complex(self._a)

    def __repr__(self):
        return repr(self._a).replace("array(", "cupy_standin_array(", 1)

    def __str__(self):
        return str(self._a)

    def __hash__(self):
        raise TypeError("unhashable type: 'cupy.ndarray'")

    def __copy__(self):
        return _wrap(self._a.copy())

    def __deepcopy__(self, memo):
        return _wrap(self._a.copy())

    def __reduce__(self):
        return (ndarray._make, (self._a,))


def _binary(name):
    def method(self, other):
        return _wrap(getattr(self._a, name)(_unwrap(other, name)))

    method.__name__ = name
    return method


for _name in (
    "__add__ __radd__ __sub__ __rsub__ __mul__ __rmul__ __truediv__ __rtruediv__ "
    "__floordiv__ __rfloordiv__ __mod__ __rmod__ __pow__ __rpow__ __matmul__ __rmatmul__ "
    "__and__ __rand__ __or__ __ror__ __xor__ __rxor__ __lshift__ __rshift__ __eq__ __ne__ "
    "__lt__ __le__ __gt__ __ge__ __iadd__ __isub__ __imul__ __itruediv__ __ifloordiv__ "
    "__imod__ __ipow__ __iand__ __ior__ __ixor__ __divmod__"
).split():
    setattr(ndarray, _name, _binary(_name))

for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(ndarray, _name, (lambda n: lambda self: _wrap(getattr(self._a, n)()))(_name))


def _fix_inplace(name):
    numpy_method = getattr(ndarray, name)

    def method(self, other):
        numpy_method(self, other)
        return self

    return method


for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__",
              "__ipow__", "__iand__", "__ior__", "__ixor__"):  # fmt: skip
    setattr(ndarray, _name, _fix_inplace(_name))


def asnumpy(a, stream=None, order="C", out=None):
    return a._a.copy() if type(a) is ndarray else _np.asarray(a)


def asarray(a, dtype=None, order=None, *, blocking=False):
    if type(a) is ndarray:
        return a if dtype is None or a.dtype == dtype else _wrap(a._a.astype(dtype))
    if isinstance(a, _np.ndarray):  # host to device: the explicit way in
        return _wrap(_np.array(a, dtype=dtype, order=order or "K"))
    return _wrap(_np.asarray(_unwrap(a, "asarray"), dtype=dtype, order=order))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    if type(obj) is ndarray:
        source = obj._a
    elif isinstance(obj, _np.ndarray):
        source = obj  # an explicit host-to-device copy, as cupy.array(numpy_array)
    else:
        source = _unwrap(obj, "array")
    return _wrap(_np.array(source, dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def get_array_module(*args):
    return __import__(__name__)


class _Cuda:
    class runtime:
        class CUDARuntimeError(RuntimeError):
            pass

        @staticmethod
        def getDeviceCount():
            return 1

        @staticmethod
        def getDeviceProperties(index):
            return {"name": b"NumPy stand-in for CuPy", "totalGlobalMem": 0}

    class Device:
        def __init__(self, index=0):
            self.id = index
            self.compute_capability = "00"

        def synchronize(self):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False


cuda = _Cuda


class _ModuleProxy:
    def __init__(self, module, name):
        self._module, self.__name__ = module, name

    def __getattr__(self, name):
        value = getattr(self._module, name)
        if isinstance(value, type) and name not in ("Generator",):
            return value
        return _forward(value, f"{self.__name__}.{name}") if callable(value) else value


random = _ModuleProxy(_np.random, "cupy.random")
linalg = _ModuleProxy(_np.linalg, "cupy.linalg")
fft = _ModuleProxy(_np.fft, "cupy.fft")


def __getattr__(name):
    value = getattr(_np, name)
    if isinstance(value, _np.ufunc):
        return _UfuncProxy(value)
    if isinstance(value, type) or not callable(value):
        return value  # dtypes, scalar types, constants
    return _forward(value, name)
