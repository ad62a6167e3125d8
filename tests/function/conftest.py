import pytest


@pytest.fixture
def native_calls():
    """`native_calls(concrete)`: the member op names of each fused native call in a trace's
    plan (fusion.fuse_bias_relu, fuse_conv_bias_relu)."""

    def calls(concrete):
        return [
            [m.op.name for m in n.attrs["nodes"]]
            for n in concrete.graph.nodes
            if n.kind == "fused" and "call" in n.attrs
        ]

    return calls
