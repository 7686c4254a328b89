"""A training step of an MLP and the forward+backward of an Elman RNN, against torch.

MLP: 784-256-256-10 ReLU, batch 128, float32: forward, loss, backward, RMSProp step.
RNN: input 32, hidden 128, T = 50, batch 32, float32: forward and backward through time.
The torch side uses nn.Sequential / nn.RNN with autograd and torch.optim.RMSprop, default threads.
"""

from __future__ import annotations

import numpy as np
from common import interleaved_medians, torch_or_none

from rmsprop_edu import nn
from rmsprop_edu.optim import RMSProp


def _row(name: str, t: dict[str, float], target: float) -> dict[str, object]:
    """A table row: our median time, torch's (if installed) and their ratio against ``target``."""
    row: dict[str, object] = {
        "row": name,
        "ours": f"{1e3 * t['ours']:.2f} ms",
        "target": f"ratio <= {target} (ours / torch)",
    }
    if "torch" in t:
        ratio = t["ours"] / t["torch"]
        row.update(baseline=f"torch {1e3 * t['torch']:.2f} ms", ratio=f"{ratio:.2f} x torch", met=ratio <= target)
    else:
        row.update(baseline="torch not installed", ratio="no comparison", met=False)
    return row


def mlp_row(repeats: int = 15) -> dict[str, object]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 784), dtype=np.float32)
    y = rng.integers(0, 10, 128)
    f32 = np.float32
    model = nn.Sequential(
        nn.Linear(784, 256, rng=1, dtype=f32, init_="he"),
        nn.ReLU(),
        nn.Linear(256, 256, rng=2, dtype=f32, init_="he"),
        nn.ReLU(),
        nn.Linear(256, 10, rng=3, dtype=f32),
    )
    loss = nn.SoftmaxCrossEntropy()
    opt = RMSProp(model.parameters(), lr=1e-3)

    def ours() -> None:
        model.zero_grad()
        loss(model(x), y)
        # the input is data: like torch (x without requires_grad), skip its gradient
        model.backward(loss.backward(), input_grad=False)
        opt.step()

    sides = {"ours": ours}
    torch = torch_or_none()
    if torch is not None:
        tmodel = torch.nn.Sequential(
            torch.nn.Linear(784, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 256),
            torch.nn.ReLU(),
            torch.nn.Linear(256, 10),
        )
        topt = torch.optim.RMSprop(tmodel.parameters(), lr=1e-3)
        tloss = torch.nn.CrossEntropyLoss()
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)

        def theirs() -> None:
            topt.zero_grad()
            tloss(tmodel(tx), ty).backward()
            topt.step()

        sides["torch"] = theirs
    return _row(
        "MLP step 784-256-256-10, batch 128, float32", interleaved_medians(sides, repeats=repeats, warmup=3), 1.0
    )


def rnn_row(repeats: int = 15) -> dict[str, object]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 50, 32), dtype=np.float32)
    rnn = nn.RNN(32, 128, rng=1, dtype=np.float32)
    dhs = rng.standard_normal((32, 50, 128), dtype=np.float32)

    def ours() -> None:
        rnn.zero_grad()
        rnn.forward(x)
        rnn.backward(dhs)

    sides = {"ours": ours}
    torch = torch_or_none()
    if torch is not None:
        trnn = torch.nn.RNN(32, 128, batch_first=True)
        tx = torch.from_numpy(x).requires_grad_(True)
        tdhs = torch.from_numpy(dhs)

        def theirs() -> None:
            trnn.zero_grad()
            tx.grad = None
            out, _ = trnn(tx)
            out.backward(tdhs)

        sides["torch"] = theirs
    return _row(
        "RNN BPTT: D 32, H 128, T 50, batch 32, float32", interleaved_medians(sides, repeats=repeats, warmup=3), 0.8
    )


def rows() -> list[dict[str, object]]:
    return [mlp_row(), rnn_row()]


if __name__ == "__main__":
    for r in rows():
        print(r)
