"""Principal component analysis of the 8x8 digits, with power iteration as the only eigensolver.

Centre the data, form the scatter matrix C = X^T X, and take its top eigenvectors: they are the
directions of largest variance (the principal axes), and sqrt(eigenvalue) is the matching singular
value of the centred X. See Strang, "Introduction to Linear Algebra", chapter 7 (the SVD and PCA).
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from power_iteration import top_eigenpairs
from sklearn.datasets import load_digits


# --8<-- [start:pca]
def pca(X, k, rng):
    """Top-k principal axes (D, k), singular values (k,) and explained-variance ratios (k,)."""
    Xc = X - X.mean(axis=0)  # (N, D) centre each pixel
    C = Xc.T @ Xc  # (D, D) scatter matrix: C = X_c^T X_c = V diag(sigma^2) V^T
    lams, V, _ = top_eigenpairs(C, k, rng)  # (k,), (D, k)
    sigma = np.sqrt(np.clip(lams, 0.0, None))  # sigma_i = sqrt(lambda_i); clip round-off below 0
    total = np.trace(C)  # total variance (times N) = sum of ALL eigenvalues = sum of squares of X_c
    ratio = lams / total  # (k,) share of the variance along each axis
    return V, sigma, ratio


# --8<-- [end:pca]


def plot_scatter(Z, y):
    """The digits projected on the first two principal axes, one colour per digit."""
    fig, ax = plt.subplots(figsize=(3.5, 3.0), num="scatter", clear=True)
    for digit in range(10):
        pts = Z[y == digit]  # (n_digit, 2)
        ax.scatter(pts[:, 0], pts[:, 1], s=3, alpha=0.5, color=f"C{digit}", linewidths=0)
        cx, cy = np.median(pts, axis=0)
        ax.text(cx, cy, str(digit), color=f"C{digit}", fontsize=11, fontweight="bold",
                ha="center", va="center",
                path_effects=[patheffects.withStroke(linewidth=2, foreground="white")])  # fmt: skip
    ax.set_xlabel("PC 1 (pixel intensity units)")
    ax.set_ylabel("PC 2")
    fig.tight_layout()
    return fig


def plot_explained(ratio):
    """Each component's share of the variance (bars) and the running total (line)."""
    k = np.arange(1, len(ratio) + 1)
    cumulative = np.cumsum(ratio)  # (k,)
    fig, ax = plt.subplots(figsize=(3.5, 2.5), num="explained", clear=True)
    ax.bar(k, ratio, color="C0", alpha=0.5, label="each component")
    ax.plot(k, cumulative, color="C1", label="cumulative")
    for n in (2, 10):
        ax.plot(n, cumulative[n - 1], "o", color="C1", ms=4)
        ax.annotate(f"{cumulative[n - 1]:.0%}", (n, cumulative[n - 1]), textcoords="offset points",
                    xytext=(5, -12), fontsize=8)  # fmt: skip
    ax.set_xlabel("number of principal components")
    ax.set_ylabel("fraction of variance")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=7, frameon=False, loc="center right")
    fig.tight_layout()
    return fig


def plot_components(V, mean):
    """The mean digit and the first three principal axes drawn as 8x8 images."""
    fig, axes = plt.subplots(1, 4, figsize=(5.0, 1.6), num="components", clear=True)
    images = [mean, V[:, 0], V[:, 1], V[:, 2]]
    titles = ["mean", "PC 1", "PC 2", "PC 3"]
    for ax, img, title in zip(axes, images, titles, strict=True):
        if title == "mean":
            ax.imshow(img.reshape(8, 8), cmap="gray_r")
        else:
            lim = np.abs(img).max()
            ax.imshow(img.reshape(8, 8), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def main():
    rng = np.random.default_rng(0)
    digits = load_digits()
    X, y = digits.data, digits.target  # (1797, 64) pixel values 0..16, (1797,) labels
    N, D = X.shape
    V, sigma, ratio = pca(X, D, rng)  # all 64 axes; the last few carry no variance at all

    Xc = X - X.mean(axis=0)  # (N, D)
    sigma_np = np.linalg.svd(Xc, compute_uv=False)  # (D,) reference
    top = 10
    sv_rel_err = np.max(np.abs(sigma[:top] - sigma_np[:top]) / sigma_np[:top])
    Z = Xc @ V[:, :2]  # (N, 2) coordinates on the first two principal axes
    # Three pixels are blank in every image, so three axes carry no variance; past them the
    # deflated matrix is pure round-off and power iteration returns noise. Check the rest.
    zero_variance = int(np.sum(sigma < 1e-6 * sigma[0]))
    Vr = V[:, : D - zero_variance]  # (D, r) the axes with variance
    orthonormal = np.linalg.norm(Vr.T @ Vr - np.eye(Vr.shape[1]), 2)  # ||V^T V - I||_2

    plot_scatter(Z, y)
    plot_explained(ratio)
    plot_components(V, X.mean(axis=0))

    print(f"{N} images of {D} pixels; singular values of the centred data:")
    print("  power iteration:  " + " ".join(f"{s:7.2f}" for s in sigma[:6]))
    print("  np.linalg.svd:    " + " ".join(f"{s:7.2f}" for s in sigma_np[:6]))
    print(f"largest relative difference over the top {top}: {sv_rel_err:.1e}")
    print(f"variance explained by the top 2 components: {ratio[:2].sum():.1%}, top 10: "
          f"{ratio[:10].sum():.1%}")  # fmt: skip
    return {
        "N": N,
        "D": D,
        "top": top,
        "sigma1": float(sigma[0]),
        "sigma2": float(sigma[1]),
        "sv_rel_err": float(sv_rel_err),
        "ratio1": float(ratio[0]),
        "top2": float(ratio[:2].sum()),
        "top10": float(ratio[:10].sum()),
        "components_for_90": int(np.searchsorted(np.cumsum(ratio), 0.90) + 1),
        "zero_variance": zero_variance,
        "n_axes": D - zero_variance,
        "orthonormal": float(orthonormal),
    }


if __name__ == "__main__":
    main()
    plt.show()
