"""Large parameters are updated block by block, possibly on several threads: same bits."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import Parameter
from rmsprop_edu.optim import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, NAdam, RAdam, RMSProp

ALL = [SGD, Adagrad, RMSProp, Adadelta, Adam, AdamW, NAdam, Adamax, RAdam]


def trajectory(opt_cls, data, threads, contiguous=True):
    p = Parameter(data.copy() if contiguous else np.asfortranarray(data.copy()))
    opt = opt_cls([p], lr=1e-2, weight_decay=1e-3, **({"momentum": 0.9} if opt_cls in (SGD, RMSProp) else {}))
    opt.threads = threads
    opt.chunk_bytes = 1 << 16  # 64 KiB blocks: 37 of them, so two threads share them
    for t in range(3):
        p.grad = np.ascontiguousarray(np.cos(p.data * (t + 1)))
        if not contiguous:
            p.grad = np.asfortranarray(p.grad)
        opt.step()
    return np.ascontiguousarray(p.data), opt.effective_lr(p)


@pytest.mark.parametrize("opt_cls", ALL, ids=[c.__name__ for c in ALL])
def test_blocks_threads_and_whole_array_paths_agree_bit_for_bit(opt_cls):
    # 600 x 1000 float32 = 2.4 MB, updated in 64 KiB blocks.
    data = np.random.default_rng(0).standard_normal((600, 1000), dtype=np.float32)
    one_thread = trajectory(opt_cls, data, threads=1)
    two_threads = trajectory(opt_cls, data, threads=2)
    whole = trajectory(opt_cls, data, threads=1, contiguous=False)  # non-contiguous: no blocks
    for a, b in ((one_thread, two_threads), (one_thread, whole)):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(one_thread[0], data)
