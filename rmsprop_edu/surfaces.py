"""Toy loss surfaces in two dimensions, each with its analytic gradient.

Every surface has ``value(xy, t=0)`` for ``xy`` of shape ``(..., 2)`` returning
shape ``(...)``, ``grad(xy, t=0)`` returning ``(..., 2)``, its known ``minima``
``(k, 2)``, plot ``bounds``, a default ``start`` and a one-line ``teaches``.
``t`` is the step count; only the non-stationary and sparse surfaces use it.

>>> from rmsprop_edu import surfaces
>>> s = surfaces.get("rosenbrock")
>>> float(s.value(s.minima[0]))
0.0
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ._validation import check_choice, check_int, check_nonnegative, check_range

Array = np.ndarray
Fn = Callable[[Array, Array, int], Array]
Grad = Callable[[Array, Array, int], tuple[Array, Array]]


@dataclass(frozen=True)
class Surface:
    """A 2-D loss surface: ``value``, analytic ``grad`` and what it teaches.

    Attributes:
        name: the surface's name (``get(name)`` makes it again, for those in ``NAMES``).
        teaches: one line on what the surface shows.
        minima: (k, 2) its known minima.
        bounds: ``((x_min, x_max), (y_min, y_max))``, the region plots show.
        start: the default start point (x, y).
        log_levels: space contour levels in ``log(f - f_min)``. Default False.
        f_min: the smallest value of f, for log-spaced levels. Default 0.
    """

    name: str
    teaches: str
    _value: Fn = field(repr=False)
    _grad: Grad = field(repr=False)
    minima: Array
    bounds: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    log_levels: bool = False  # contour levels spaced in log(f - f_min)
    f_min: float = 0.0

    def value(self, xy: object, t: int = 0) -> Array:
        """The value f at ``xy`` (shape ``(..., 2)``), returned with shape ``(...)``.

        Args:
            xy: points, shape ``(..., 2)`` (not floating point: taken as float64).
            t: the step count; only the non-stationary and sparse surfaces use it. Default 0.
        """
        xy = _points(xy)
        return self._value(xy[..., 0], xy[..., 1], t)

    def grad(self, xy: object, t: int = 0) -> Array:
        """The analytic gradient at ``xy``, shape ``(..., 2)``, same dtype.

        Args:
            xy: points, shape ``(..., 2)`` (not floating point: taken as float64).
            t: the step count; only the non-stationary and sparse surfaces use it. Default 0.
        """
        xy = _points(xy)
        gx, gy = self._grad(xy[..., 0], xy[..., 1], t)
        shape = np.shape(gx) if np.shape(gx) == np.shape(gy) else np.broadcast_shapes(np.shape(gx), np.shape(gy))
        out = np.empty((*shape, 2), dtype=xy.dtype)
        out[..., 0], out[..., 1] = gx, gy
        return out

    @property
    def stationary(self) -> bool:
        """False for the surfaces that change with the step t (moving, sparse and noisy ones)."""
        return self.name not in ("moving_bowl", "sparse_bowl") and not self.name.startswith("noisy")


def _points(xy: object) -> Array:
    array = np.asarray(xy)
    if array.dtype.kind != "f":
        array = array.astype(np.float64)
    if array.ndim == 0 or array.shape[-1] != 2:
        raise ValueError(f"xy must have shape (..., 2), got {array.shape}")
    return array


# --------------------------------------------------------------------------- surfaces
def quadratic(condition: float = 10.0, angle: float = 0.0) -> Surface:
    """A bowl f = 0.5 * xy^T H xy with H = R diag(1, condition) R^T, R a rotation by ``angle`` (degrees).

    Unrotated, the axes are the eigenvectors, so a per-coordinate (diagonal)
    preconditioner such as RMSProp's fixes the conditioning; rotated by 45
    degrees it cannot.

    Args:
        condition: the ratio of H's eigenvalues, in [1, inf). Default 10.
        angle: the rotation in degrees, in [-360, 360]. Default 0.
    """
    check_range("condition", condition, 1.0, math.inf)
    check_range("angle", angle, -360.0, 360.0, high_open=False)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    h11 = c * c + condition * s * s
    h22 = s * s + condition * c * c
    h12 = (1.0 - condition) * c * s

    def value(x: Array, y: Array, t: int) -> Array:
        return 0.5 * (h11 * x * x + 2 * h12 * x * y + h22 * y * y)

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        return h11 * x + h12 * y, h12 * x + h22 * y

    rotated = f", rotated {angle:g} deg" if angle else ""
    teaches = f"ill-conditioned bowl (condition {condition:g}{rotated}): " + (
        "diagonal scaling cannot undo a rotation" if angle else "step size is limited by the steepest direction"
    )
    return Surface(
        name="quadratic" if not angle else "rotated_quadratic",
        teaches=teaches,
        _value=value,
        _grad=grad,
        minima=np.zeros((1, 2)),
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        start=(-2.5, 2.0),
        log_levels=True,
    )


def _rosenbrock() -> Surface:
    def value(x: Array, y: Array, t: int) -> Array:
        return (1 - x) ** 2 + 100 * (y - x * x) ** 2

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)

    return Surface(
        "rosenbrock",
        "a curved narrow valley: easy to find, slow to follow to the minimum at (1, 1)",
        value,
        grad,
        np.array([[1.0, 1.0]]),
        ((-2.0, 2.0), (-1.0, 3.0)),
        (-1.5, 2.0),
        log_levels=True,
    )


def _beale() -> Surface:
    def value(x: Array, y: Array, t: int) -> Array:
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
        gx = 2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1)
        gy = 2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y**2
        return gx, gy

    return Surface(
        "beale",
        "flat plateaus and sharp ridges: gradient sizes vary over orders of magnitude",
        value,
        grad,
        np.array([[3.0, 0.5]]),
        ((-4.5, 4.5), (-4.5, 4.5)),
        (1.0, 1.5),
        log_levels=True,
    )


def _himmelblau() -> Surface:
    def value(x: Array, y: Array, t: int) -> Array:
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        a, b = x * x + y - 11, x + y * y - 7
        return 4 * x * a + 2 * b, 2 * a + 4 * y * b

    minima = np.array([[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]])
    return Surface(
        "himmelblau",
        "four equal minima: where you end up depends on where you start and how you move",
        value,
        grad,
        minima,
        ((-5.0, 5.0), (-5.0, 5.0)),
        (-0.5, -0.5),
        log_levels=True,
    )


def _rastrigin() -> Surface:
    def value(x: Array, y: Array, t: int) -> Array:
        return 20 + x * x - 10 * np.cos(2 * np.pi * x) + y * y - 10 * np.cos(2 * np.pi * y)

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        return 2 * x + 20 * np.pi * np.sin(2 * np.pi * x), 2 * y + 20 * np.pi * np.sin(2 * np.pi * y)

    return Surface(
        "rastrigin",
        "a bowl covered in local minima: local methods stop in the nearest one",
        value,
        grad,
        np.zeros((1, 2)),
        ((-5.12, 5.12), (-5.12, 5.12)),
        (2.2, 2.8),
    )


def _booth() -> Surface:
    def value(x: Array, y: Array, t: int) -> Array:
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        a, b = x + 2 * y - 7, 2 * x + y - 5
        return 2 * a + 4 * b, 4 * a + 2 * b

    return Surface(
        "booth",
        "a tilted, mildly ill-conditioned bowl (condition 9): the friendly baseline",
        value,
        grad,
        np.array([[1.0, 3.0]]),
        ((-10.0, 10.0), (-10.0, 10.0)),
        (-8.0, -6.0),
        log_levels=True,
    )


def _saddle() -> Surface:
    def value(x: Array, y: Array, t: int) -> Array:
        return x * x - y * y

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        return 2 * x, -2 * y

    return Surface(
        "saddle",
        "f = x^2 - y^2 has no minimum: escaping the saddle from near its ridge takes a push",
        value,
        grad,
        np.zeros((0, 2)),
        ((-2.0, 2.0), (-2.0, 2.0)),
        (-1.8, 1e-3),
        f_min=-math.inf,
    )


def _goldstein_price() -> Surface:
    def parts(x: Array, y: Array) -> tuple[Array, Array, Array, Array, Array, Array]:
        s, d = x + y + 1, 2 * x - 3 * y
        a = 19 - 14 * x + 3 * x * x - 14 * y + 6 * x * y + 3 * y * y
        b = 18 - 32 * x + 12 * x * x + 48 * y - 36 * x * y + 27 * y * y
        return s, d, a, b, 1 + s * s * a, 30 + d * d * b

    def value(x: Array, y: Array, t: int) -> Array:
        *_, big_a, big_b = parts(x, y)
        return big_a * big_b

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        s, d, a, b, big_a, big_b = parts(x, y)
        da = 2 * s * a + s * s * (-14 + 6 * x + 6 * y)  # dA/dx = dA/dy
        db_dx = 4 * d * b + d * d * (-32 + 24 * x - 36 * y)
        db_dy = -6 * d * b + d * d * (48 - 36 * x + 54 * y)
        return da * big_b + big_a * db_dx, da * big_b + big_a * db_dy

    return Surface(
        "goldstein_price",
        "values from 3 to 10^6: only a log scale shows the landscape, and step sizes must adapt",
        value,
        grad,
        np.array([[0.0, -1.0]]),
        ((-2.0, 2.0), (-3.0, 1.0)),
        (0.5, 0.5),
        log_levels=True,
        f_min=3.0,
    )


def moving_bowl(radius: float = 1.5, period: float = 400.0) -> Surface:
    """Non-stationary: ``f = 0.5 |xy - c(t)|^2`` with c(t) circling the origin.

    Adagrad's effective learning rate only shrinks, so at a learning rate that suits
    RMSProp it falls behind the moving minimum; RMSProp's rate follows the last
    1/(1 - rho) or so gradients. Each tuned at the horizon it is run for, both keep up
    (notebooks 03 and 07 measure it).

    Args:
        radius: the radius of the centre's circle, in [0, inf). Default 1.5.
        period: the steps per turn, in (0, inf). Default 400.
    """
    check_nonnegative("radius", radius)
    check_range("period", period, 0.0, math.inf, low_open=True)

    def centre(t: int) -> tuple[float, float]:
        angle = 2 * math.pi * t / period
        return radius * math.cos(angle), radius * math.sin(angle)

    def value(x: Array, y: Array, t: int) -> Array:
        cx, cy = centre(t)
        return 0.5 * ((x - cx) ** 2 + (y - cy) ** 2)

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        cx, cy = centre(t)
        return x - cx, y - cy

    return Surface(
        "moving_bowl",
        "the minimum circles the origin: does a shrinking (Adagrad) or a windowed (RMSProp) rate keep up?",
        value,
        grad,
        np.array([centre(0)]),
        ((-3.0, 3.0), (-3.0, 3.0)),
        (0.0, 0.0),
    )


def sparse_bowl(every: int = 50) -> Surface:
    """Sparse gradients: f = 5 (x - 2)^2 + 0.05 (y - 2)^2, but y's gradient arrives only rarely.

    It arrives at steps t with t % every == 0 (it is 0 otherwise), like a rare feature.

    One global learning rate cannot serve both: it must be small for the steep,
    frequent x, and then the shallow, rare y barely moves. Adagrad scales each
    coordinate by its own history, so y's few small gradients keep its step large.

    Args:
        every: the steps between two of y's gradients, a whole number >= 1. Default 50.
    """
    check_int("every", every, 1)

    def value(x: Array, y: Array, t: int) -> Array:
        return 5 * (x - 2) ** 2 + 0.05 * (y - 2) ** 2

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        return 10 * (x - 2), 0.1 * (y - 2) * (1.0 if t % every == 0 else 0.0)

    return Surface(
        "sparse_bowl",
        f"y's small gradient arrives once every {every} steps: Adagrad's per-coordinate memory keeps its step large",
        value,
        grad,
        np.array([[2.0, 2.0]]),
        ((-3.0, 3.0), (-3.0, 3.0)),
        (-2.0, -2.0),
        log_levels=True,
    )


def noisy(surface: Surface, scale: float, seed: int = 0) -> Surface:
    """``surface`` with Gaussian gradient noise of standard deviation ``scale``.

    The noise at step ``t`` is drawn from ``np.random.default_rng([seed, t])``, so
    it depends only on the seed and the step: every run (and every run of a
    sweep) sees the same noise sequence, which makes comparisons fair.

    Args:
        surface: the surface whose gradient gets the noise (its value is unchanged).
        scale: the noise's standard deviation, in [0, inf).
        seed: the noise's seed. Default 0.
    """
    check_nonnegative("scale", scale)

    def grad(x: Array, y: Array, t: int) -> tuple[Array, Array]:
        gx, gy = surface._grad(x, y, t)
        nx, ny = np.random.default_rng([seed, t]).normal(scale=scale, size=2)
        return gx + nx, gy + ny

    return replace(
        surface,
        name=f"noisy_{surface.name}",
        teaches=f"{surface.teaches} (with gradient noise, sd {scale:g}, seed {seed})",
        _grad=grad,
    )


_FACTORIES: dict[str, Callable[[], Surface]] = {
    "quadratic": quadratic,
    "rotated_quadratic": lambda: quadratic(10.0, 45.0),
    "rosenbrock": _rosenbrock,
    "beale": _beale,
    "himmelblau": _himmelblau,
    "rastrigin": _rastrigin,
    "booth": _booth,
    "saddle": _saddle,
    "goldstein_price": _goldstein_price,
    "moving_bowl": moving_bowl,
    "sparse_bowl": sparse_bowl,
}

#: The names :func:`get` accepts, one per surface.
NAMES: tuple[str, ...] = tuple(_FACTORIES)


def get(name: str) -> Surface:
    """The surface called ``name`` (see ``NAMES``).

    Args:
        name: one of ``NAMES``.
    """
    check_choice("surface", name, NAMES)
    return _FACTORIES[name]()


__all__ = ["NAMES", "Surface", "get", "moving_bowl", "noisy", "quadratic", "sparse_bowl"]
