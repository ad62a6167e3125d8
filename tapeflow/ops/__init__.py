"""Every op of tapeflow: forward on arrays and vjp side by side, one family per module.

Importing this package registers all ops and installs the Tensor operators.
"""

from . import (  # noqa: F401  (registration)
    array,
    array_join,
    clip,
    control,
    conv,
    counting,
    csv_ops,
    debug,
    file_io,
    image,
    image_decode,
    image_transform,
    indexing,
    indexing_nd,
    linalg,
    linalg_decomp,
    linalg_functions,
    linalg_lu,
    linalg_solve,
    linalg_structure,
    logic,
    math,
    math_unary,
    nn,
    nn_layers,
    nn_losses,
    operators,  # noqa: F401  (after the ops it dispatches to)
    pooling,
    ragged,
    random,
    random_distributions,
    reduce,
    scan,
    searching,
    segment,
    sorting,
    sparse,
    string_convert,
    string_regex,
    string_split,
    strings,  # after the array ops: lets some of them take strings
    tensor_array,
)
