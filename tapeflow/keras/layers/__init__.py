"""`keras.layers`: the Layer base class and every built-in layer.

Each module lists its public layers in `__all__`; they are re-exported here.
"""

from .activations import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .convolutional import *  # noqa: F401,F403
from .core import *  # noqa: F401,F403
from .input_layer import Input, InputLayer  # noqa: F401
from .input_spec import InputSpec  # noqa: F401
from .layer import KerasVariable, Layer  # noqa: F401
from .masking import Masking  # noqa: F401
from .merging import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .preprocessing import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403
from .reshaping import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403
