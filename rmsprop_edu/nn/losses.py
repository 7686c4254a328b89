"""Losses: ``forward(pred, target) -> float``, a mean, and ``backward() -> dpred``, shaped like ``pred``.

A loss has no parameters and its input, the prediction, always needs its gradient, so it is
not a ``Module``: its ``backward`` takes no argument and starts the chain,
``model.backward(loss.backward())``.
"""

from __future__ import annotations

import numpy as np

from .layers import sigmoid


class Loss:
    """Base class: ``forward`` caches what ``backward`` needs, as layers do."""

    def __init__(self) -> None:
        self._cache: tuple[np.ndarray, ...] | None = None

    def __call__(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Same as ``forward(pred, target)``."""
        return self.forward(pred, target)

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """The mean loss of ``pred`` against ``target``; caches what ``backward`` needs (override)."""
        raise NotImplementedError

    def backward(self) -> np.ndarray:
        """d(loss)/d(pred), shaped like ``pred``, from the cache of the last ``forward`` (override)."""
        raise NotImplementedError

    def _cached(self) -> tuple[np.ndarray, ...]:
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward()")
        return self._cache


def _same_shape(name: str, pred: np.ndarray, target: np.ndarray) -> None:
    if np.shape(pred) != np.shape(target):
        raise ValueError(f"{name}: pred shape {np.shape(pred)} and target shape {np.shape(target)} differ")


class SoftmaxCrossEntropy(Loss):
    """-log softmax(logits)[target], averaged over every position (N of them: all axes but the last).

    Shapes: logits: (..., C), target: (...) of ints in [0, C).
    Stable: log-softmax = z - max(z) - log(sum(exp(z - max(z)))).
    Backward: (softmax(logits) - onehot(target)) / N.
    """

    def forward(self, logits: np.ndarray, target: np.ndarray) -> float:
        """Forward: the mean of -log softmax(logits)[target]; caches the log-probabilities and the targets.

        Args:
            logits: (..., C), unnormalised class scores.
            target: (...) of ints in [0, C), the class at each position.
        """
        target = np.asarray(target)
        classes = logits.shape[-1]
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(f"SoftmaxCrossEntropy expects integer class targets, got dtype {target.dtype}")
        if target.shape != logits.shape[:-1]:
            raise ValueError(
                f"SoftmaxCrossEntropy: logits {logits.shape} need targets of shape {logits.shape[:-1]}, "
                f"got {target.shape}"
            )
        if target.size and (target.min() < 0 or target.max() >= classes):
            raise ValueError(
                f"SoftmaxCrossEntropy targets must be in [0, {classes}), got values in [{target.min()}, {target.max()}]"
            )
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        log_probs = shifted - log_sum
        picked = np.take_along_axis(log_probs, target[..., None], axis=-1)
        self._cache = (log_probs, target)
        return float(-picked.mean())

    def backward(self) -> np.ndarray:
        """Backward: d(logits) = (softmax(logits) - onehot(target)) / N, shaped like the logits."""
        log_probs, target = self._cached()
        grad = np.exp(log_probs)  # softmax
        np.put_along_axis(grad, target[..., None], np.take_along_axis(grad, target[..., None], axis=-1) - 1, axis=-1)
        return grad / target.size


class MSELoss(Loss):
    """mean((pred - target)^2) over all N elements; backward 2 (pred - target) / N.

    Shapes: pred and target alike; the target is cast to pred's dtype.
    """

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Forward: the mean of (pred - target)^2; caches the difference.

        Args:
            pred: the predictions, any shape.
            target: shaped like ``pred``; cast to pred's dtype.
        """
        _same_shape("MSELoss", pred, target)
        diff = pred - np.asarray(target, dtype=pred.dtype)  # the target takes pred's dtype: float32 stays float32
        self._cache = (diff,)
        return float(np.mean(diff * diff))

    def backward(self) -> np.ndarray:
        """Backward: d(pred) = 2 (pred - target) / N, shaped like pred."""
        (diff,) = self._cached()
        return 2 * diff / diff.size


class BCEWithLogits(Loss):
    """Binary cross-entropy on logits z with targets y in [0, 1], averaged over all N elements.

    Each element's loss is -y log sigmoid(z) - (1 - y) log(1 - sigmoid(z)), computed as
    ``max(z, 0) - z y + log(1 + exp(-|z|))``, stable for any z. Backward: (sigmoid(z) - y) / N.
    Shapes: logits and target alike.
    """

    def forward(self, logits: np.ndarray, target: np.ndarray) -> float:
        """Forward: the mean of ``max(z, 0) - z y + log(1 + exp(-|z|))``; caches the logits and the targets.

        Args:
            logits: z, any shape.
            target: y, shaped like the logits, values in [0, 1]; cast to the logits' dtype.
        """
        _same_shape("BCEWithLogits", logits, target)
        target = np.asarray(target, dtype=logits.dtype)
        if target.size and (target.min() < 0 or target.max() > 1):
            raise ValueError(f"BCEWithLogits targets must be in [0, 1], got values in [{target.min()}, {target.max()}]")
        self._cache = (logits, target)
        losses = np.maximum(logits, 0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
        return float(losses.mean())

    def backward(self) -> np.ndarray:
        """Backward: d(logits) = (sigmoid(z) - y) / N, shaped like the logits."""
        logits, target = self._cached()
        return (sigmoid(logits) - target) / target.size
