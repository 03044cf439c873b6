"""Spatial-concentration and value-chain metrics, as pure NumPy functions.

Nothing here depends on the rest of ``sim``; every function takes plain arrays, so it can be used
on simulated output and on observed data alike (e.g. to compare a run with census counts).

Conventions shared by all functions:

* Inputs are array-likes and are converted with ``numpy.asarray``; they are never modified.
* Malformed input (wrong shape, index out of range, negative counts, NaN/inf) raises
  ``ValueError`` with a message that names the offending argument.
* A quantity that is *mathematically undefined* for valid input (a share of nothing, a variance
  of a constant) is returned as ``nan`` rather than raising, so that metrics can be collected
  over many runs, some degenerate, without special-casing.

Spatial concentration
    :func:`ellison_glaeser`, :func:`coagglomeration`, :func:`location_quotient`,
    :func:`herfindahl`, :func:`morans_i`, :func:`morans_i_expectation`.

Value chain
    :func:`chain_completeness`, :func:`local_sourcing_ratio`.

References
----------
.. [EG97] Ellison, G. & Glaeser, E. L. (1997). Geographic concentration in U.S. manufacturing
   industries: a dartboard approach. *Journal of Political Economy* 105(5), 889-927.
.. [EGK10] Ellison, G., Glaeser, E. L. & Kerr, W. R. (2010). What causes industry
   agglomeration? Evidence from coagglomeration patterns. *American Economic Review* 100(3),
   1195-1213.
.. [Isa60] Isard, W. (1960). *Methods of Regional Analysis: An Introduction to Regional
   Science*. MIT Press (ch. 7, location quotients).
.. [MB09] Miller, R. E. & Blair, P. D. (2009). *Input-Output Analysis: Foundations and
   Extensions*, 2nd ed. Cambridge University Press (ch. 8, location quotients and regional
   purchase coefficients).
.. [Hir64] Hirschman, A. O. (1964). The paternity of an index. *American Economic Review*
   54(5), 761. (Herfindahl-Hirschman index; Herfindahl 1950, Hirschman 1945.)
.. [Mor50] Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika*
   37(1/2), 17-23.
.. [CO81] Cliff, A. D. & Ord, J. K. (1981). *Spatial Processes: Models & Applications*. Pion.
.. [Ste83] Stevens, B. H., Treyz, G. I., Ehrlich, D. J. & Bower, J. R. (1983). A new technique
   for the construction of non-survey regional input-output models. *International Regional
   Science Review* 8(3), 271-286.
.. [Por98] Porter, M. E. (1998). Clusters and the new economics of competition. *Harvard
   Business Review* 76(6), 77-90.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "EGResult",
    "chain_completeness",
    "coagglomeration",
    "ellison_glaeser",
    "herfindahl",
    "local_sourcing_ratio",
    "location_quotient",
    "morans_i",
    "morans_i_expectation",
]

_NAN = float("nan")


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------


def _as_float_array(values: ArrayLike, name: str, ndim: int | None = None) -> np.ndarray:
    """``values`` as a float64 array, checked for dimension and finiteness."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from exc
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values (no NaN or inf)")
    return arr


def _as_nonnegative(values: ArrayLike, name: str, ndim: int | None = None) -> np.ndarray:
    arr = _as_float_array(values, name, ndim)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative, got minimum {arr.min()}")
    return arr


def _as_bool_array(values: ArrayLike, name: str, ndim: int) -> np.ndarray:
    """``values`` as a bool array; non-bool input must hold only 0 and 1."""
    arr = np.asarray(values)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {arr.shape}")
    if arr.dtype != np.bool_:
        if arr.size and not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must be boolean (or contain only 0 and 1)")
        arr = arr.astype(bool)
    return arr


# --------------------------------------------------------------------------------------------
# spatial concentration
# --------------------------------------------------------------------------------------------


class EGResult(NamedTuple):
    """Result of :func:`ellison_glaeser`.

    gamma
        The Ellison-Glaeser agglomeration index (excess concentration beyond what plant lumpiness
        and the size of areas explain). 0 under the "dartboard" null; can be negative (dispersion)
        and, in small samples, can exceed 1.
    G
        Raw geographic concentration, ``sum_j (s_j - x_j)**2``.
    H
        Plant Herfindahl of the industry, ``sum_k z_k**2``.
    """

    gamma: float
    G: float
    H: float


def ellison_glaeser(
    plant_employment: ArrayLike,
    plant_area: ArrayLike,
    area_employment: ArrayLike,
) -> EGResult:
    """Ellison-Glaeser (1997) index of geographic concentration for one industry.

    Why: a raw concentration measure such as ``G`` is large both when an industry is genuinely
    agglomerated and when it merely has few, big plants (a single plant is "concentrated" in
    one area by construction) or is compared with areas of very unequal size. [EG97]_ derive an
    index that is zero in expectation when plants choose areas independently with probability
    equal to each area's share of aggregate employment (the "dartboard"), after controlling for
    the industry's plant-size distribution through its Herfindahl ``H``.

    What: with ``s_j`` the industry's employment share in area ``j``, ``x_j`` area ``j``'s share
    of aggregate (all-industry) employment and ``z_k`` plant ``k``'s share of industry
    employment,

    .. math::

        G = \\sum_j (s_j - x_j)^2, \\qquad H = \\sum_k z_k^2, \\qquad
        \\gamma = \\frac{G - (1 - \\sum_j x_j^2) H}{(1 - \\sum_j x_j^2)(1 - H)}.

    Under the dartboard null ``E[G] = (1 - sum_j x_j^2) H`` exactly, so ``E[gamma] = 0`` for
    fixed plant sizes ([EG97]_, Proposition 1 with ``gamma = 0``).

    Parameters
    ----------
    plant_employment
        1-D, each plant's employment in the industry (non-negative).
    plant_area
        1-D integer array, the area index (``0 .. n_areas - 1``) of each plant.
    area_employment
        1-D, total all-industry employment of each area (non-negative); defines
        ``x_j = area_employment[j] / area_employment.sum()`` and the number of areas.
        Areas with zero employment are allowed (they have ``x_j = 0``).

    Returns
    -------
    EGResult
        ``(gamma, G, H)``. All three are NaN when there are no plants, the industry's total
        employment is zero, or aggregate employment is zero (shares undefined). ``gamma`` alone is
        NaN when ``H == 1`` (all industry employment in one plant) or ``sum_j x_j^2 == 1`` (all
        aggregate employment in one area), where its denominator vanishes.

    Raises
    ------
    ValueError
        If an argument is not 1-D, ``plant_employment`` and ``plant_area`` differ in length,
        ``plant_area`` is not integer or has an index outside ``0 .. n_areas - 1``, or any
        employment is negative or non-finite.
    """
    emp = _as_nonnegative(plant_employment, "plant_employment", ndim=1)
    area_emp = _as_nonnegative(area_employment, "area_employment", ndim=1)
    area_idx = np.asarray(plant_area)
    if area_idx.ndim != 1:
        raise ValueError(f"plant_area must be 1-D, got shape {area_idx.shape}")
    if area_idx.shape != emp.shape:
        raise ValueError(
            "plant_employment and plant_area must have the same length, got "
            f"{emp.shape[0]} and {area_idx.shape[0]}"
        )
    n_areas = area_emp.shape[0]
    if area_idx.size:
        if not np.issubdtype(area_idx.dtype, np.integer):
            raise ValueError(f"plant_area must be an integer array, got dtype {area_idx.dtype}")
        lo, hi = int(area_idx.min()), int(area_idx.max())
        if lo < 0 or hi >= n_areas:
            raise ValueError(
                f"plant_area indices must lie in 0..{n_areas - 1} (n_areas = "
                f"len(area_employment) = {n_areas}), got range {lo}..{hi}"
            )
    area_idx = area_idx.astype(np.intp, copy=False)

    industry_total = emp.sum()
    aggregate_total = area_emp.sum()
    if emp.size == 0 or industry_total == 0 or aggregate_total == 0:
        return EGResult(_NAN, _NAN, _NAN)

    x = area_emp / aggregate_total
    s = np.bincount(area_idx, weights=emp, minlength=n_areas) / industry_total
    z = emp / industry_total

    G = float(np.sum((s - x) ** 2))
    H = float(np.sum(z**2))
    one_minus_x2 = 1.0 - float(np.sum(x**2))
    denominator = one_minus_x2 * (1.0 - H)
    if denominator <= 0.0:  # H == 1 or sum x^2 == 1 (can only be 0 up to rounding)
        return EGResult(_NAN, G, H)
    gamma = (G - one_minus_x2 * H) / denominator
    return EGResult(float(gamma), G, H)


def coagglomeration(
    industry_i_employment: ArrayLike,
    industry_j_employment: ArrayLike,
    area_employment: ArrayLike,
) -> float:
    """Ellison-Glaeser-Kerr (2010) coagglomeration index of two industries, pairwise form.

    Why: two industries can each be agglomerated in different places; what matters for a value
    chain is whether linked industries share places (a dyeing works next to the fabric mills it
    serves). [EGK10]_ measure it as the covariance of the two industries' deviations from
    aggregate employment across areas, scaled as in [EG97]_; it is zero in expectation when the
    two locate independently by the dartboard, and it rises with input-output links and labour
    pooling in US manufacturing.

    What: with ``s_mi``, ``s_mj`` the two industries' employment shares in area ``m`` and ``x_m``
    the area's share of aggregate (all-industry) employment,

    .. math:: \\gamma^c_{ij} = \\frac{\\sum_m (s_{mi} - x_m)(s_{mj} - x_m)}{1 - \\sum_m x_m^2}.

    Parameters
    ----------
    industry_i_employment, industry_j_employment
        1-D, each industry's employment in each area (non-negative).
    area_employment
        1-D, same length, all-industry employment of each area (non-negative).

    Returns
    -------
    float
        The index; NaN when either industry or aggregate employment is zero, or all aggregate
        employment is in one area (``sum x^2 == 1``).

    Raises
    ------
    ValueError
        If the arguments are not 1-D, differ in length, or hold negative or non-finite values.
    """
    e_i = _as_nonnegative(industry_i_employment, "industry_i_employment", ndim=1)
    e_j = _as_nonnegative(industry_j_employment, "industry_j_employment", ndim=1)
    tot = _as_nonnegative(area_employment, "area_employment", ndim=1)
    if not (e_i.shape == e_j.shape == tot.shape):
        raise ValueError(
            "industry_i_employment, industry_j_employment and area_employment must have the "
            f"same length, got {e_i.shape[0]}, {e_j.shape[0]} and {tot.shape[0]}"
        )
    if e_i.sum() == 0 or e_j.sum() == 0 or tot.sum() == 0:
        return _NAN
    x = tot / tot.sum()
    one_minus_x2 = 1.0 - float(np.sum(x**2))
    if one_minus_x2 <= 0.0:
        return _NAN
    s_i, s_j = e_i / e_i.sum(), e_j / e_j.sum()
    return float(np.sum((s_i - x) * (s_j - x)) / one_minus_x2)


def location_quotient(industry_employment: ArrayLike, total_employment: ArrayLike) -> np.ndarray:
    """Location quotient of one industry in each area.

    Why: the LQ says whether an area holds more of an industry than its size alone would suggest
    (LQ > 1: the area is specialised in the industry; LQ < 1: under-represented). It is the
    standard first screen for clusters and for non-survey regionalisation of input-output
    tables ([Isa60]_; [MB09]_, sec. 8.2).

    What: with ``e_ij`` the industry's employment in area ``j``, ``e_j`` the area's total
    employment, ``E_i = sum_j e_ij`` and ``E = sum_j e_j``,

    .. math:: LQ_j = \\frac{e_{ij} / e_j}{E_i / E}.

    Parameters
    ----------
    industry_employment
        1-D, ``e_ij`` for each area (non-negative).
    total_employment
        1-D, same length, ``e_j`` for each area (non-negative).

    Returns
    -------
    numpy.ndarray
        Float array of the same length. NaN for areas with ``e_j == 0``; all NaN when
        ``E_i == 0`` (the industry is absent everywhere, so no area can be compared with it).

    Raises
    ------
    ValueError
        If the arguments are not 1-D, differ in length, or contain negative or non-finite values.
    """
    e_ij = _as_nonnegative(industry_employment, "industry_employment", ndim=1)
    e_j = _as_nonnegative(total_employment, "total_employment", ndim=1)
    if e_ij.shape != e_j.shape:
        raise ValueError(
            "industry_employment and total_employment must have the same length, got "
            f"{e_ij.shape[0]} and {e_j.shape[0]}"
        )
    E_i, E = e_ij.sum(), e_j.sum()
    lq = np.full(e_j.shape, np.nan)
    if E_i == 0 or E == 0:
        return lq
    nonempty = e_j > 0
    lq[nonempty] = (e_ij[nonempty] / e_j[nonempty]) / (E_i / E)
    return lq


def herfindahl(values: ArrayLike) -> float:
    """Herfindahl(-Hirschman) index: the sum of squared shares.

    Why: a single number for how concentrated a total is among its holders (plants, firms or
    areas). It equals ``1/N`` when ``N`` holders have equal shares and ``1`` when one holder has
    everything, so ``1/H`` reads as the "effective number" of holders. [EG97]_ use it as the
    plant-size correction ``H`` ([Hir64]_ for the index's origin).

    What: ``H = sum_k (v_k / sum_l v_l)**2``. Zero entries contribute nothing, so for ``N``
    strictly positive entries ``1/N <= H <= 1``.

    Parameters
    ----------
    values
        Non-negative array-like of any shape (flattened).

    Returns
    -------
    float
        The index, or NaN when the total is zero (including an empty input).

    Raises
    ------
    ValueError
        On negative or non-finite values.
    """
    v = _as_nonnegative(values, "values").ravel()
    if v.size == 0:
        return _NAN
    peak = v.max()
    if peak == 0:
        return _NAN
    scaled = v / peak  # rescale first so that huge values cannot overflow the sum
    shares = scaled / scaled.sum()
    return float(np.sum(shares**2))


_CONTIGUITIES = ("rook", "queen")


def _neighbour_cross_product(z: np.ndarray, contiguity: str) -> tuple[float, int]:
    """``sum_{i<j} w_ij z_i z_j`` and the number of neighbour pairs, using array shifts.

    Each unordered neighbour pair is visited once, by pairing the grid with a copy of itself
    shifted one step right, one step down and (queen only) one step along each diagonal.
    """
    pairs = [
        (z[:, :-1], z[:, 1:]),  # horizontal neighbours
        (z[:-1, :], z[1:, :]),  # vertical neighbours
    ]
    if contiguity == "queen":
        pairs += [
            (z[:-1, :-1], z[1:, 1:]),  # main-diagonal neighbours
            (z[:-1, 1:], z[1:, :-1]),  # anti-diagonal neighbours
        ]
    cross = 0.0
    n_pairs = 0
    for a, b in pairs:
        cross += float(np.sum(a * b))
        n_pairs += a.size
    return cross, n_pairs


def morans_i(grid: ArrayLike, contiguity: Literal["rook", "queen"] = "rook") -> float:
    """Global Moran's I of a 2-D grid under binary contiguity weights.

    Why: concentration indices (EG, Herfindahl, LQ) ignore *where* areas are relative to each
    other; a cluster that spans several adjacent cells looks the same as the same cells
    scattered across the map. Moran's I [Mor50]_ measures spatial autocorrelation: positive
    when similar values sit next to each other (a contiguous cluster), negative when neighbours
    differ (a checkerboard), near ``-1/(n-1)`` when values are placed at random [CO81]_.

    What: with ``z = x - mean(x)`` over the ``n`` cells, ``w_ij = 1`` if cells ``i`` and ``j``
    are neighbours (``i != j``) and 0 otherwise, and ``S0 = sum_ij w_ij``,

    .. math:: I = \\frac{n}{S_0} \\frac{\\sum_i \\sum_j w_{ij} z_i z_j}{\\sum_i z_i^2}.

    Neighbours are the 4 edge-sharing cells ("rook") or the 8 edge- or corner-sharing cells
    ("queen"). The grid is not toroidal: border cells have fewer neighbours. The double sum is
    computed from shifted views of the grid in O(n) time and memory; no ``n x n`` weight
    matrix is built, so large grids are fine.

    Parameters
    ----------
    grid
        2-D array of finite values (e.g. employment per cell).
    contiguity
        ``"rook"`` (default) or ``"queen"``.

    Returns
    -------
    float
        Moran's I, or NaN if the grid has fewer than 2 cells or is constant (zero variance).

    Raises
    ------
    ValueError
        If ``contiguity`` is not ``"rook"`` or ``"queen"``, the grid is not 2-D or it holds
        non-finite values.
    """
    if contiguity not in _CONTIGUITIES:
        raise ValueError(f"contiguity must be one of {_CONTIGUITIES}, got {contiguity!r}")
    x = _as_float_array(grid, "grid", ndim=2)
    n = x.size
    if n < 2 or np.ptp(x) == 0:  # ptp, not var: avoids rounding noise on constant floats
        return _NAN
    z = x - x.mean()
    denominator = float(np.sum(z**2))
    half_cross, n_pairs = _neighbour_cross_product(z, contiguity)
    # w is symmetric: sum_ij w_ij z_i z_j = 2 * sum over pairs, and S0 = 2 * n_pairs.
    # n >= 2 cells in a rectangle always have at least one rook pair, so S0 > 0.
    return (n / (2 * n_pairs)) * (2 * half_cross) / denominator


def morans_i_expectation(n: int) -> float:
    """Expected Moran's I under random permutation of ``n`` values: ``-1 / (n - 1)``.

    Why: Moran's I is not centred on 0 under "no spatial pattern"; this is the reference value
    against which an observed I should be compared ([CO81]_, ch. 1; it holds for any weight
    matrix with zero diagonal).

    Parameters
    ----------
    n
        Number of cells (observations).

    Returns
    -------
    float
        ``-1 / (n - 1)``; NaN for ``n < 2``, where Moran's I itself is undefined.

    Raises
    ------
    ValueError
        If ``n`` is negative.
    """
    if n < 0:
        raise ValueError(f"n must be a non-negative count, got {n}")
    if n < 2:
        return _NAN
    return -1.0 / (n - 1)


# --------------------------------------------------------------------------------------------
# value chain
# --------------------------------------------------------------------------------------------


def chain_completeness(present: ArrayLike, links: ArrayLike) -> float:
    """Share of value-chain links whose supplier and buyer stages are both present locally.

    Why: a cluster's strength lies in co-located, linked stages rather than in the count of
    firms of one kind ([Por98]_). A county with many garment sewers but no fabric or trims
    suppliers has an "incomplete" chain: most of its supply links must leave the region. This
    measure counts how many of the chain's links can, in principle, be served locally.

    What: with ``L = {(i, j) : links[i, j], i != j}``,

    .. math:: C = \\frac{|\\{(i, j) \\in L : present_i \\wedge present_j\\}|}{|L|}.

    This is this module's own operationalisation (a plain, unweighted share), not a formula
    taken from the literature; see :func:`local_sourcing_ratio` for a volume-weighted
    counterpart.

    Parameters
    ----------
    present
        1-D bool over stages: does the stage have at least one local firm?
    links
        2-D bool ``[supplier, buyer]`` matrix of chain links, ``len(present)`` square. The
        diagonal is ignored (a stage does not "link" to itself).

    Returns
    -------
    float
        The share in ``[0, 1]``, or NaN when there are no off-diagonal links.

    Raises
    ------
    ValueError
        If shapes disagree or the inputs are not boolean (or 0/1).
    """
    p = _as_bool_array(present, "present", ndim=1)
    w = _as_bool_array(links, "links", ndim=2)
    n = p.shape[0]
    if w.shape != (n, n):
        raise ValueError(f"links must have shape ({n}, {n}) to match present, got {w.shape}")
    w = w & ~np.eye(n, dtype=bool)
    n_links = int(w.sum())
    if n_links == 0:
        return _NAN
    both_present = np.logical_and.outer(p, p)
    return int((w & both_present).sum()) / n_links


def local_sourcing_ratio(io: ArrayLike, output: ArrayLike, local_share: ArrayLike) -> float:
    """Input-output weighted share of the local stages' intermediate purchases bought locally.

    Why: chain completeness treats every link alike; in value terms a cluster depends far more
    on its big links (fabric into garments) than on minor ones. Weighting each supplier stage's
    local share by how much of its good local production actually uses gives the share of all
    intermediate purchases that stays in the region, the quantity that drives local multipliers
    in regional input-output analysis ([MB09]_, ch. 3 and 8). ``local_share`` plays the role of
    a regional purchase coefficient ([Ste83]_).

    What: intermediate demand for supplier good ``i`` by buyer stage ``j`` is
    ``io[i, j] * output[j]``, so

    .. math::

        R = \\frac{\\sum_{ij} io_{ij}\\, output_j\\, local\\_share_i}
                  {\\sum_{ij} io_{ij}\\, output_j}.

    Diagonal entries of ``io`` (a stage buying its own good) are real input-output flows and
    are included.

    Parameters
    ----------
    io
        2-D square, ``io[supplier, buyer]`` technical coefficients (input per unit output),
        non-negative.
    output
        1-D, local output of each stage (non-negative), length ``io.shape[1]``.
    local_share
        1-D, for each supplier stage the share of purchases of its good bought locally, in
        ``[0, 1]``; length ``io.shape[0]``.

    Returns
    -------
    float
        The ratio in ``[0, 1]``, or NaN when total intermediate demand is zero.

    Raises
    ------
    ValueError
        If ``io`` is not square, lengths disagree, any value is negative or non-finite, or a
        local share is above 1.
    """
    a = _as_nonnegative(io, "io", ndim=2)
    q = _as_nonnegative(output, "output", ndim=1)
    r = _as_nonnegative(local_share, "local_share", ndim=1)
    if a.shape[0] != a.shape[1]:
        raise ValueError(f"io must be square [supplier, buyer], got shape {a.shape}")
    n = a.shape[0]
    if q.shape[0] != n:
        raise ValueError(f"output must have length {n} (io is {n}x{n}), got {q.shape[0]}")
    if r.shape[0] != n:
        raise ValueError(f"local_share must have length {n} (io is {n}x{n}), got {r.shape[0]}")
    if np.any(r > 1):
        raise ValueError(f"local_share must lie in [0, 1], got maximum {r.max()}")
    demand = a @ q  # total intermediate demand for each supplier stage's good
    total = float(demand.sum())
    if total == 0:
        return _NAN
    return float(demand @ r) / total
