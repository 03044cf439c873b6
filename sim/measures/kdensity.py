"""Duranton-Overman K-density: localisation measured on distances, not on areas.

Ellison-Glaeser and location quotients depend on how space is cut into areas (the modifiable
areal unit problem: the same firms give different gammas on the zones and on equal blocks).
Duranton and Overman (2005) measure localisation on the distances between every pair of an
industry's plants instead: the kernel density of those distances is compared with the densities
of counterfactual industries of the same size drawn at random from the sites of all industries,
so the test controls for the overall concentration of activity (where the county's firms can be
at all) and needs no areas.

Firms sit in grid cells, so distances are known to the cell: two firms in one cell are at 0 km, in
cells (dx, dy) apart at `cell_km * sqrt(dx^2 + dy^2)`. That lets every pair distance be counted
from the grid of firm counts by one autocorrelation (an FFT, `pair_distance_counts`), in
O(cells log cells) whatever the number of firms, for the observed industry and for each of the
counterfactual draws (multivariate hypergeometric draws of cell counts: sites drawn without
replacement from all firm sites).

References
----------
.. [DO05] Duranton, G. & Overman, H. G. (2005). Testing for localization using micro-geographic
   data. *Review of Economic Studies* 72(4), 1077-1106.
.. [Sil86] Silverman, B. W. (1986). *Density Estimation for Statistics and Data Analysis*.
   Chapman and Hall (section 3.4.2, the rule of thumb bandwidth; section 2.10, reflection).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import scipy.fft as sfft
from scipy.stats import norm

__all__ = [
    "DOResult",
    "distance_table",
    "duranton_overman",
    "k_density",
    "localisation_outcomes",
    "pair_distance_counts",
    "silverman_bandwidth",
]


def _padded(width: int, height: int) -> tuple[int, int]:
    """The FFT's shape: at least 2W - 1 by 2H - 1, so that no offset wraps around, rounded up to
    sizes the FFT is fast for (79 x 59 took three times as long as 80 x 60)."""
    return sfft.next_fast_len(2 * width - 1, real=True), sfft.next_fast_len(
        2 * height - 1, real=True
    )


@cache
def distance_table(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """For a `width` x `height` grid: the distinct squared cell offsets `dx^2 + dy^2` (sorted)
    and, for each entry of the padded autocorrelation array (`_padded`; offset (dx, dy) at index
    (dx mod P, dy mod Q)), the index of its squared offset. Entries beyond the grid's largest
    offset hold no pairs."""
    P, Q = _padded(width, height)
    dx = np.fft.fftfreq(P, 1.0 / P).astype(np.int64)
    dy = np.fft.fftfreq(Q, 1.0 / Q).astype(np.int64)
    sq = dx[:, None] ** 2 + dy[None, :] ** 2
    values, index = np.unique(sq, return_inverse=True)
    return values, index.reshape(sq.shape)


@cache
def _offset_groups(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The autocorrelation's flat entries ordered by squared offset, and where each squared
    offset's run starts: summing the runs (`np.add.reduceat`) groups the entries by distance for
    every draw at once."""
    _, index = distance_table(width, height)
    order = np.argsort(index.ravel(), kind="stable")
    starts = np.flatnonzero(np.diff(index.ravel()[order], prepend=-1))
    return order, starts


def pair_distance_counts(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unordered pairs of distinct plants at each squared cell offset.

    `counts` is (W, H) plants per cell, or (draws, W, H). Returns (squared offsets in cells,
    pair counts; one row per draw when `counts` is 3-D). The autocorrelation
    `A[dx, dy] = sum_c n_c n_(c + (dx, dy))` counts ordered pairs at each offset; each unordered
    pair of distinct plants appears twice in it, and the N plants paired with themselves once
    each at offset (0, 0), so pairs = (A summed by distance - N at distance 0) / 2."""
    c = np.asarray(counts, dtype=float)
    single = c.ndim == 2
    if single:
        c = c[None]
    _, W, H = c.shape
    values, _ = distance_table(W, H)
    shape = _padded(W, H)
    f = sfft.rfft2(c, s=shape)
    auto = np.rint(sfft.irfft2(f * np.conj(f), s=shape))  # exact integers up to round-off
    order, starts = _offset_groups(W, H)
    pairs = np.add.reduceat(auto.reshape(auto.shape[0], -1)[:, order], starts, axis=1)
    pairs[:, 0] -= c.reshape(c.shape[0], -1).sum(axis=1)
    pairs /= 2.0
    return values, pairs[0] if single else pairs


def silverman_bandwidth(distances: np.ndarray, weights: np.ndarray) -> float:
    """Silverman's rule of thumb for weighted data (each distance counted `weights` times):
    `0.9 min(sd, IQR / 1.34) n^(-1/5)` [Sil86]_, as [DO05]_ use. 0 when every pair is at one
    distance."""
    n = weights.sum()
    if n < 2:
        return 0.0
    mean = np.sum(weights * distances) / n
    sd = np.sqrt(np.sum(weights * (distances - mean) ** 2) / (n - 1))
    cum = np.cumsum(weights) / n
    q1 = distances[np.searchsorted(cum, 0.25)]
    q3 = distances[np.searchsorted(cum, 0.75)]
    spread = min(sd, (q3 - q1) / 1.34) if q3 > q1 else sd
    return float(0.9 * spread * n ** (-0.2))


def k_density(
    at: np.ndarray, distances: np.ndarray, pairs: np.ndarray, bandwidth: float
) -> np.ndarray:
    """The K-density at distances `at`: the Gaussian kernel density of the pair distances
    (`distances` each counted `pairs` times; `pairs` may be (draws, n)), reflected at 0 so that
    no mass falls below 0 km, as [DO05]_ do:
    `K(d) = 1 / (n h) sum_pairs [phi((d - d_ij) / h) + phi((d + d_ij) / h)]`."""
    p = np.atleast_2d(pairs)
    n = p.sum(axis=1, keepdims=True)
    kern = norm.pdf((at[:, None] - distances[None, :]) / bandwidth) + norm.pdf(
        (at[:, None] + distances[None, :]) / bandwidth
    )  # (at, distances)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (p @ kern.T) / (n * bandwidth)
    return k[0] if np.ndim(pairs) == 1 else k


@dataclass(frozen=True)
class DOResult:
    """One industry's K-density against its counterfactuals ([DO05]_, section 3)."""

    distances_km: np.ndarray  # where K is evaluated: every quarter cell up to the median distance
    k: np.ndarray  # the industry's K-density there
    local_lo: np.ndarray  # 5th percentile of the counterfactuals at each distance
    local_hi: np.ndarray  # 95th percentile
    global_lo: np.ndarray  # lower global band: 5% of counterfactuals fall below it somewhere
    global_hi: np.ndarray  # upper global band: 5% of counterfactuals rise above it somewhere
    bandwidth_km: float
    plants: int
    draws: int

    @property
    def localised(self) -> bool:
        """K above the upper global band at some distance ([DO05]_'s definition)."""
        return bool(np.any(self.k > self.global_hi))

    @property
    def dispersed(self) -> bool:
        """K below the lower global band somewhere, and not localised ([DO05]_)."""
        return bool(np.any(self.k < self.global_lo)) and not self.localised

    @property
    def localisation_index(self) -> float:
        """[DO05]_'s Gamma: K's excess over the upper global band summed over distances 1 km
        apart, here integrated over the distance grid (the sum times its step in km, which is
        [DO05]_'s sum for a step of 1 km); 0 unless localised."""
        return float(np.sum(np.maximum(self.k - self.global_hi, 0.0)) * self._step)

    @property
    def _step(self) -> float:
        return float(self.distances_km[1] - self.distances_km[0]) if self.k.size > 1 else 1.0

    @property
    def dispersion_index(self) -> float:
        """[DO05]_'s Psi: the shortfall below the lower global band, where not localised."""
        if self.localised:
            return 0.0
        return float(np.sum(np.maximum(self.global_lo - self.k, 0.0)) * self._step)


def _global_bands(sims: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper global bands of the counterfactual K-densities `sims` (draws, distances):
    the order statistic (the same at every distance) chosen so that at most a share `level` of
    the draws rises above the upper band at some distance, and likewise below the lower band
    ([DO05]_, section 3.3: local bands widened until only 5% of draws cross anywhere)."""
    r = sims.shape[0]
    ordered = np.sort(sims, axis=0)
    rank = np.argsort(np.argsort(sims, axis=0, kind="stable"), axis=0)  # 0 .. r-1 per distance
    highest, lowest = np.sort(rank.max(axis=1)), np.sort(rank.min(axis=1))
    # a draw rises above order statistic j somewhere iff its highest rank exceeds j
    j_hi = highest[int(np.ceil((1.0 - level) * r)) - 1]
    # and falls below order statistic j somewhere iff its lowest rank is under j
    j_lo = lowest[int(np.floor(level * r))]
    return ordered[j_lo], ordered[j_hi]


def duranton_overman(
    industry_cells: np.ndarray,
    all_cells: np.ndarray,
    width: int,
    height: int,
    cell_km: float,
    rng: np.random.Generator,
    draws: int = 1000,
    level: float = 0.05,
) -> DOResult | None:
    """Test one industry for localisation against counterfactuals drawn from all firm sites.

    `industry_cells` are the flat cells (x * height + y) of the industry's plants, `all_cells`
    those of every plant of every industry (the industry's included): the sites a counterfactual
    draws from, without replacement, as many as the industry has ([DO05]_). K is evaluated at
    every quarter cell (0.31 km at 1.25 km a cell) up to the median distance between all pairs of
    sites ([DO05]_: 0-180 km in 1 km steps, the median in the UK; a cluster's firms are
    closer). The bandwidth is Silverman's for the industry's distances, at least half a cell
    (positions within a cell are unknown), and the same for every counterfactual. Returns
    None with fewer than 2 plants, or when the industry holds every site (each counterfactual
    would be the industry itself)."""
    n = industry_cells.size
    if n < 2 or all_cells.size <= n:
        return None
    N = width * height
    site_counts = np.bincount(all_cells, minlength=N)
    sq, all_pairs = pair_distance_counts(site_counts.reshape(width, height).astype(float))
    dist = cell_km * np.sqrt(sq)
    cum = np.cumsum(all_pairs) / all_pairs.sum()
    median = float(dist[np.searchsorted(cum, 0.5)])
    step = cell_km / 4.0
    at = np.arange(0.0, max(median, cell_km) + 1e-9, step)

    own = np.bincount(industry_cells, minlength=N).reshape(width, height).astype(float)
    _, own_pairs = pair_distance_counts(own)
    h = max(silverman_bandwidth(dist, own_pairs), cell_km / 2.0)
    k = k_density(at, dist, own_pairs, h)

    drawn = rng.multivariate_hypergeometric(site_counts, n, size=draws, method="count")
    _, sim_pairs = pair_distance_counts(drawn.reshape(draws, width, height).astype(float))
    sims = k_density(at, dist, sim_pairs, h)
    local_lo, local_hi = np.quantile(sims, [level, 1.0 - level], axis=0)
    global_lo, global_hi = _global_bands(sims, level)
    return DOResult(
        distances_km=at,
        k=k,
        local_lo=local_lo,
        local_hi=local_hi,
        global_lo=global_lo,
        global_hi=global_hi,
        bandwidth_km=h,
        plants=int(n),
        draws=int(draws),
    )


def localisation_outcomes(results: dict[str, DOResult | None]) -> dict[str, float]:
    """A run's K-density tests as run-level outcomes, by stage: `do_localised_<stage>` (1 if
    localised, 0 if not, NaN with fewer than 2 firms or no firm of another stage) and
    `do_index_<stage>` ([DO05]_'s Gamma)."""
    out: dict[str, float] = {}
    for stage, r in results.items():
        out[f"do_localised_{stage}"] = float("nan") if r is None else float(r.localised)
        out[f"do_index_{stage}"] = float("nan") if r is None else r.localisation_index
    return out
