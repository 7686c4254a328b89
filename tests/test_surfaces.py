"""Every surface's analytic gradient against central finite differences, and its minima."""

from __future__ import annotations

import numpy as np
import pytest

from rmsprop_edu import surfaces

NAMES = list(surfaces.NAMES)


def finite_difference(surface, xy, t, h=1e-6):
    out = np.zeros_like(xy)
    for k in range(2):
        step = np.zeros(2)
        step[k] = h
        out[..., k] = (surface.value(xy + step, t) - surface.value(xy - step, t)) / (2 * h)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_finite_differences(name):
    surface = surfaces.get(name)
    rng = np.random.default_rng(0)
    (x0, x1), (y0, y1) = surface.bounds
    xy = np.stack([rng.uniform(x0, x1, 50), rng.uniform(y0, y1, 50)], axis=-1)
    # sparse_bowl delivers its true gradient only every 50 steps (and 0 for y in between, by design)
    for t in (0, 50, 150) if not surface.stationary else (0,):
        analytic = surface.grad(xy, t)
        numeric = finite_difference(surface, xy, t)
        scale = np.maximum(np.abs(analytic), 1.0)
        assert np.max(np.abs(analytic - numeric) / scale) < 1e-5, name


@pytest.mark.parametrize("name", NAMES)
def test_shapes_minima_and_metadata(name):
    surface = surfaces.get(name)
    assert surface.value(np.zeros((4, 3, 2))).shape == (4, 3)
    assert surface.grad(np.zeros((4, 3, 2))).shape == (4, 3, 2)
    assert surface.grad(np.zeros(2, dtype=np.float32)).dtype == np.float32
    assert surface.minima.ndim == 2 and surface.minima.shape[1] == 2
    for minimum in surface.minima:
        assert surface.value(minimum) == pytest.approx(surface.f_min, abs=1e-4)
        if surface.stationary:
            np.testing.assert_allclose(surface.grad(minimum), 0.0, atol=2e-4)
    assert len(surface.teaches) > 20 and surface.bounds[0][0] < surface.start[0] < surface.bounds[0][1]


def test_known_values():
    assert surfaces.get("rosenbrock").value([-1.5, 2.0]) == pytest.approx(12.5)
    assert surfaces.get("goldstein_price").value([0.0, -1.0]) == pytest.approx(3.0)
    assert surfaces.get("beale").value([3.0, 0.5]) == pytest.approx(0.0)
    # rotated by 45 degrees, the quadratic's Hessian is no longer diagonal: H = [[5.5, -4.5], [-4.5, 5.5]]
    np.testing.assert_allclose(surfaces.get("rotated_quadratic").grad([1.0, 0.0]), [5.5, -4.5], atol=1e-12)


def test_noise_depends_only_on_seed_and_step():
    base = surfaces.get("booth")
    a, b = surfaces.noisy(base, 0.5, seed=3), surfaces.noisy(base, 0.5, seed=3)
    points = np.zeros((5, 2))
    np.testing.assert_array_equal(a.grad(points, 4), b.grad(points, 4))
    noise = a.grad(points, 4) - base.grad(points, 4)
    np.testing.assert_allclose(noise, np.broadcast_to(noise[0], noise.shape))  # every run of a sweep: same noise
    assert not np.allclose(a.grad(points, 5), a.grad(points, 4))
    assert not np.allclose(surfaces.noisy(base, 0.5, seed=4).grad(points, 4), a.grad(points, 4))


def test_sparse_and_moving_surfaces_depend_on_the_step():
    sparse = surfaces.get("sparse_bowl")
    assert sparse.grad([0.0, 0.0], 0)[1] == pytest.approx(-0.2)
    assert sparse.grad([0.0, 0.0], 1)[1] == 0.0
    moving = surfaces.get("moving_bowl")
    assert moving.value([1.5, 0.0], 0) == pytest.approx(0.0)
    assert moving.value([1.5, 0.0], 100) == pytest.approx(0.5 * (1.5**2 + 1.5**2))  # a quarter turn later


def test_bad_input():
    with pytest.raises(ValueError, match="surface must be one of 'quadratic'"):
        surfaces.get("himalaya")
    with pytest.raises(ValueError, match=r"xy must have shape \(..., 2\), got \(3,\)"):
        surfaces.get("booth").value([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"condition must be in \[1, inf\), got 0.5"):
        surfaces.quadratic(condition=0.5)
    with pytest.raises(ValueError, match=r"scale must be in \[0, inf\), got -1"):
        surfaces.noisy(surfaces.get("booth"), -1)
