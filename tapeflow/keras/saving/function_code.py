"""Python lambdas saved as Keras 3 saves them: marshalled bytecode in a base64 string.

`func_dump(fn)` gives `(code, defaults, closure)`; `func_load` turns them back into a
function, which runs whatever bytecode the file holds. Callers load only outside safe mode
(`safe_mode.resolve`), that is when the user declared that the file's author is trusted.
Bytecode is specific to the Python version that wrote it: another version refuses it
(ValueError) or may misbehave, as in Keras.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import marshal
import types

_MAX_CODE_CHARS = 1 << 20


def func_dump(fn) -> tuple:
    """`(base64 of the marshalled code, defaults, closure values)` of a Python function."""
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
    return code, fn.__defaults__, closure


def func_load(code, defaults=None, closure=None, where: str = "lambda"):
    """The function `func_dump` described. Runs nothing itself; calling the result runs the
    saved bytecode, with only Python's builtins as its globals.

    Raises:
        ValueError: `code` is not base64 of marshalled code for this Python version.
    """
    if isinstance(code, (list, tuple)):  # Keras' serialize_keras_object form: one triple
        code, defaults, closure = (list(code) + [None, None])[:3]
    if not isinstance(code, str) or len(code) > _MAX_CODE_CHARS:
        raise ValueError(f"{where}: the saved code is not a base64 string")
    try:
        compiled = marshal.loads(base64.decodebytes(code.encode("ascii")))
    except (binascii.Error, UnicodeEncodeError, ValueError, EOFError, TypeError) as e:
        raise ValueError(
            f"{where}: the saved bytecode cannot be loaded by this Python ({e}); lambdas "
            f"only reload under the Python version that saved them"
        ) from None
    if not isinstance(compiled, types.CodeType):
        raise ValueError(f"{where}: the saved value is not Python code")
    cells = tuple(types.CellType(v) for v in closure) if closure else None
    if len(cells or ()) != len(compiled.co_freevars):
        raise ValueError(
            f"{where}: the code needs {len(compiled.co_freevars)} closure values, the file "
            f"holds {len(cells or ())}"
        )
    defaults = tuple(defaults) if defaults else None
    return types.FunctionType(
        compiled, {"__builtins__": builtins}, compiled.co_name, defaults, cells
    )
