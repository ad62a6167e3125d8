"""What TF lets a program ask a tf.function and its traces: signatures, specs, graph tensors.

`ConcreteInfo` is mixed into ConcreteFunction (structured_input_signature,
structured_outputs, inputs, outputs, variables, pretty_printed_signature, ...);
`FunctionSpec` and `FunctionType` are `Function.function_spec` / `function_type`; the
signature text follows TF 2.21's ("Input Parameters: ... Output Type: ... Captures: ...").
"""

from __future__ import annotations

import inspect

from ..core import nest
from ..core.spec import TensorSpec
from . import signature as sig

# ---- signature text -----------------------------------------------------------------------


def _literal(value) -> str:
    if isinstance(value, (list, tuple, dict)):
        return _structure_text(value, lambda leaf: _literal(leaf))
    return f"Literal[{value!r}]"


def _structure_text(value, leaf_text) -> str:
    if isinstance(value, dict):
        items = ", ".join(f"[{k!r}, {_structure_text(v, leaf_text)}]" for k, v in value.items())
        return f"Dict[{items}]"
    if isinstance(value, list):
        return f"List[{', '.join(_structure_text(v, leaf_text) for v in value)}]"
    if isinstance(value, tuple):
        return f"Tuple[{', '.join(_structure_text(v, leaf_text) for v in value)}]"
    return leaf_text(value)


def _parameter_kind(function, name) -> str:
    params = function._signature.parameters if function._signature is not None else {}
    p = params.get(name.split("[")[0])
    return "POSITIONAL_OR_KEYWORD" if p is None else p.kind.name


class ConcreteInfo:
    """Introspection of one trace, as TF's ConcreteFunction offers it (mixed in)."""

    def _input_text(self, template) -> str:
        def leaf(x):
            if isinstance(x, sig._Composite):
                return repr(x.spec)
            if isinstance(x, sig._Leaf):
                if x.kind == "t":
                    return repr(self._input_specs[x.index])
                var = self._variable_args[x.index]
                return (
                    f"VariableSpec(shape={var.shape}, dtype={var.dtype!r}, "
                    f"trainable={var.trainable}, alias_id=None)"
                )
            return f"Literal[{x!r}]"

        return _structure_text(template, leaf)

    def _output_specs(self):
        specs = [TensorSpec(t.shape, t.dtype) for t in self.outputs]

        def leaf(x):
            if isinstance(x, sig_out_type()):
                return repr(specs[x.index])
            if hasattr(x, "parts"):  # a composite result: the spec of its components
                return repr(_composite_spec(x.cls, [specs[p.index] for p in x.parts]))
            return "None" if x is None else f"Literal[{x!r}]"

        return _structure_text(self._template, leaf)

    def pretty_printed_signature(self, verbose: bool = True) -> str:
        """The trace's parameters, output type and captures, in TF's words."""
        params = [(name, self._input_text(t)) for name, t in self._structure]
        output = self._output_specs()
        if not verbose:
            inner = ", ".join(f"{name}: {text}" for name, text in params)
            return f"({inner}) -> {output}"
        lines = ["Input Parameters:"]
        for name, text in params:
            lines.append(f"  {name} ({_parameter_kind(self._function, name)}): {text}")
        lines += ["Output Type:", f"  {output}", "Captures:"]
        captures = [what for kind, what, *_ in self.graph.var_sources if kind == "capture"]
        if captures:
            lines += [
                f"  {id(v)}: TensorSpec(shape=(), dtype=tf.resource, name=None)" for v in captures
            ]
        else:
            lines.append("  None")
        return "\n".join(lines)

    def __str__(self):
        return "ConcreteFunction " + self.pretty_printed_signature()

    @property
    def function_type(self):
        """The parameters and output type (printed as TF prints a FunctionType)."""
        return _Text(self.pretty_printed_signature(verbose=False))

    def __repr__(self):
        return (
            f"<ConcreteFunction {self.pretty_printed_signature(verbose=False)} at 0x{id(self):X}>"
        )

    # ---- the structure of inputs and outputs ------------------------------------------------

    @property
    def name(self) -> str:
        return f"__inference_{self.graph.name}_{id(self) % 100000}"

    @property
    def structured_input_signature(self):
        """(args, kwargs): TensorSpecs (named after their parameter) and Python values."""
        args, kwargs = [], {}
        for name, template in self._structure:

            def leaf(x, name=name):
                if isinstance(x, sig._Composite):
                    return x.spec
                if isinstance(x, sig._Leaf) and x.kind == "t":
                    spec = self._input_specs[x.index]
                    return TensorSpec(spec.shape, spec.dtype, spec.name or name)
                if isinstance(x, sig._Leaf):
                    return self._variable_args[x.index]
                return x

            value = (
                nest.map_structure(leaf, template) if nest.is_nested(template) else leaf(template)
            )
            if _parameter_kind(self._function, name) == "KEYWORD_ONLY":
                kwargs[name] = value
            else:
                args.append(value)
        return tuple(args), kwargs

    @property
    def inputs(self) -> list:
        """The graph tensors of the inputs: Placeholders of the Tensor arguments, then the
        handles of the variables it reads or writes."""
        ops = self.graph.get_operations()
        return [op.outputs[0] for op in ops if op.type == "Placeholder"]

    @property
    def outputs(self) -> list:
        """The graph tensors the function returns (its Identity outputs), flat."""
        n = len(self.graph.outputs)
        return [op.outputs[0] for op in self.graph.get_operations()[-n:]] if n else []

    @property
    def structured_outputs(self):
        """The outputs' structure, with graph tensors (shape, dtype) at the Tensor places."""
        outputs = self.outputs
        out_type = sig_out_type()

        def fill(x):
            return outputs[x.index] if isinstance(x, out_type) else x

        if nest.is_nested(self._template):
            return nest.map_structure(fill, self._template)
        return fill(self._template)

    @property
    def output_dtypes(self):
        return nest.map_structure(lambda t: t.dtype, self.structured_outputs)

    @property
    def output_shapes(self):
        return nest.map_structure(lambda t: t.shape, self.structured_outputs)

    @property
    def variables(self) -> tuple:
        """The variables the trace reads or writes (captured ones and arguments)."""
        out = []
        for kind, what, *_ in self.graph.var_sources:
            var = what if kind == "capture" else self._variable_args[what]
            if all(var is not v for v in out):
                out.append(var)
        return tuple(out)

    @property
    def trainable_variables(self) -> tuple:
        return tuple(v for v in self.variables if v.trainable)


class _Text(str):
    """A str that prints and reprs as itself."""

    def __repr__(self):
        return str(self)


def _composite_spec(cls, specs):
    from ..core.ragged_spec import RaggedTensorSpec
    from ..core.sparse import SparseTensor, SparseTensorSpec

    spec_class = SparseTensorSpec if issubclass(cls, SparseTensor) else RaggedTensorSpec
    return spec_class._from_component_specs(specs)


def sig_out_type():
    from .concrete import _Out

    return _Out


# ---- the Function's own description -------------------------------------------------------


class FunctionSpec:
    """`Function.function_spec`: the Python signature and the input_signature."""

    def __init__(self, function):
        self._function = function
        fn = function._python_function
        try:
            self.fullargspec = inspect.getfullargspec(fn)
        except TypeError:
            self.fullargspec = None
        self.input_signature = function._input_signature
        self.jit_compile = function._jit_compile
        self.is_pure = False

    @property
    def arg_names(self) -> list:
        return list(self.fullargspec.args) if self.fullargspec is not None else []

    @property
    def default_values(self) -> dict:
        sig_ = self._function._signature
        if sig_ is None:
            return {}
        return {
            name: p.default
            for name, p in sig_.parameters.items()
            if p.default is not inspect.Parameter.empty
        }

    @property
    def flat_input_signature(self):
        if self.input_signature is None:
            return (None,) * len(self.arg_names)
        return tuple(nest.flatten(list(self.input_signature)))

    @property
    def function_type(self):
        return FunctionType(self._function)

    def signature_summary(self, default_values: bool = False) -> str:
        lines = ["Input Parameters:"]
        sig_ = self._function._signature
        for name, p in sig_.parameters.items() if sig_ is not None else ():
            lines.append(f"  {name} ({p.kind.name}): None")
        lines += ["Output Type:", "  None", "Captures:", "  None"]
        return "\n".join(lines)

    def __repr__(self):
        return (
            f"FunctionSpec(fullargspec={self.fullargspec}, input_signature={self.input_signature})"
        )


class FunctionType:
    """`Function.function_type`: the parameters, printed as TF prints them."""

    def __init__(self, function):
        self._signature = function._signature

    @property
    def parameters(self):
        return dict(self._signature.parameters) if self._signature is not None else {}

    def __str__(self):
        if self._signature is None:
            return "(*args, **kwargs)"
        parts = []
        star = False
        for name, p in self._signature.parameters.items():
            if p.kind.name == "KEYWORD_ONLY" and not star:
                parts.append("*")
            star = star or p.kind.name in ("KEYWORD_ONLY", "VAR_POSITIONAL")
            text = {"VAR_POSITIONAL": f"*{name}", "VAR_KEYWORD": f"**{name}"}.get(
                p.kind.name, name
            )
            if p.default is not inspect.Parameter.empty:
                text += "=<captured_default_value>"
            parts.append(text)
        return f"({', '.join(parts)})"

    __repr__ = __str__
