"""PyTorch eager, written as a PyTorch user writes a training loop: nn modules, a loss module,
`loss.backward()` and a `torch.optim` optimizer.

Weights come from the workload in Keras layout and are converted: Linear weights are the
transposed Dense kernels, images are NCHW, and the Dense layer after the convolution gets its
rows permuted so that flattening (c, h, w) gives the same model as Keras' (h, w, c).
"""

from __future__ import annotations

import numpy as np

from .timing import Step
from .workloads import Workload


def _linear_stack(torch, widths, weights, flatten: bool = False):
    nn = torch.nn
    modules = [nn.Flatten()] if flatten else []
    linears = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        linears.append(nn.Linear(fan_in, fan_out))
        modules += [linears[-1], nn.ReLU()]
    model = nn.Sequential(*modules[:-1])  # no activation after the last layer: logits
    _load(torch, linears, weights)
    return model


def _load(torch, linears, weights) -> None:
    with torch.no_grad():
        for layer, kernel, bias in zip(linears, weights[::2], weights[1::2]):
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
            layer.bias.copy_(torch.from_numpy(bias))


def _compiled(torch, model):
    """`torch.compile(model)` (forward and backward through Inductor), or NotImplementedError
    saying why it cannot run on this machine."""
    try:
        return torch.compile(model)
    except Exception as e:  # no C++ compiler, unsupported Python, ...
        raise NotImplementedError(f"n/a (torch.compile: {type(e).__name__}: {e})") from e


def _conv_stack(torch, w: Workload):
    """Conv2D 3x3 valid + relu, flatten, then Dense layers (relu between them) as in Keras;
    the first Dense layer's rows permuted from Keras' (h, w, c) order to torch's (c, h, w)."""
    nn = torch.nn
    filters = w.hidden[0]
    kernel, bias, *dense = w.weights
    conv = nn.Conv2d(1, filters, 3)
    widths = [26 * 26 * filters] + [k.shape[1] for k in dense[::2]]
    linears = [nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:])]
    modules = [conv, nn.ReLU(), nn.Flatten()]
    for linear in linears:
        modules += [linear, nn.ReLU()]
    model = nn.Sequential(*modules[:-1])
    dense = list(dense)
    dense[0] = dense[0].reshape(26, 26, filters, -1).transpose(2, 0, 1, 3).reshape(widths[0], -1)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))))
        conv.bias.copy_(torch.from_numpy(bias))
    _load(torch, linears, dense)
    return model


def build(torch, w: Workload, compiled: bool = False) -> Step:
    """Workload `w` in PyTorch eager, or with the model under `torch.compile` (`compiled`)."""
    nn = torch.nn
    lr = w.lr
    if w.name == "W1":
        W = torch.tensor(w.weights[0], requires_grad=True)
        b = torch.tensor(w.weights[1], requires_grad=True)
        batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in w.batches]

        def mse(x, y):
            return torch.mean(torch.square(W * x + b - y))

        forward = _compiled(torch, mse) if compiled else mse

        def step(x, y):
            loss = forward(x, y)
            loss.backward()
            with torch.no_grad():
                W.sub_(lr * W.grad)
                b.sub_(lr * b.grad)
            W.grad = None
            b.grad = None
            return loss

        return Step(step, batches, to_float=lambda loss: loss.item())

    batches = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in w.batches]
    if w.name == "W2":
        model = _linear_stack(torch, (11, *w.hidden, 1), w.weights)
        loss_fn = nn.BCEWithLogitsLoss()
        # Keras' RMSprop defaults (rho 0.9, epsilon 1e-7); torch adds epsilon outside the sqrt.
        optimizer = torch.optim.RMSprop(model.parameters(), lr=lr, alpha=0.9, eps=1e-7)
    elif w.name == "W3":
        # Dense(10, softmax) + SCCE is, in torch, logits + CrossEntropyLoss: the same loss.
        model = _linear_stack(torch, (784, *w.hidden, 10), w.weights, flatten=True)
        loss_fn = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    elif w.name in ("W4", "W6"):
        model = _conv_stack(torch, w)
        batches = [
            (torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), torch.from_numpy(y))
            for x, y in w.batches
        ]
        loss_fn = nn.CrossEntropyLoss()
        optimizer = torch.optim.Adam(model.parameters(), lr=lr, eps=1e-7)
    elif w.name == "W5":
        width = w.weights[0].shape[0]
        model = _linear_stack(torch, (width, *w.hidden, 10), w.weights)
        loss_fn = nn.CrossEntropyLoss()  # with one-hot (probability) targets
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        raise ValueError(f"no PyTorch model for workload {w.name}")
    model.train()
    forward = _compiled(torch, model) if compiled else model

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(forward(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return Step(step, batches, to_float=lambda loss: loss.item())
