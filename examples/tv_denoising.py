"""Total-variation denoising with a learned regularization weight and a learned difference operator.

    x*(λ, D) = argmin_x ½‖x − y‖² + λ‖Dx‖₁

as a QP in (x, t): minimize ½‖x‖² − yᵀx + λ·1ᵀt  subject to  −∞ ≤ Dx − t ≤ 0, 0 ≤ Dx + t ≤ ∞.
λ enters q, the entries of D enter A's values: both are learned by gradient descent on
‖x*(λ, D) − x_clean‖² over a batch of noisy piecewise-constant signals (one QP per signal, one
symbolic analysis for the batch). D starts as a perturbed first difference.
"""
import numpy as np
import scipy.sparse as sp
import torch

from _common import Progress, arguments, plt, save
from sparseqp.torch import QPLayer


def signals(rng, batch, n):
    clean = np.zeros((batch, n))
    for b in range(batch):
        jumps = np.sort(rng.choice(np.arange(5, n - 5), size=4, replace=False))
        levels = rng.uniform(-1, 1, size=5)
        clean[b] = np.repeat(levels, np.diff(np.concatenate([[0], jumps, [n]])))
    return clean, clean + 0.25 * rng.standard_normal((batch, n))


def main():
    args = arguments(__doc__.splitlines()[0], "tv_denoising.png")
    progress = Progress("tv")
    rng = np.random.default_rng(args.seed)
    n, batch, steps = (60, 4, 8) if args.quick else (400, 16, 40)
    k = n - 1
    # Variables (x, t). A = [D, −I; D, I] with D bidiagonal (k × n). D's values are built as ids
    # 1..2k so that after the layer's CSC canonicalization every A value on an x column names the
    # D entry it copies (both blocks share D).
    ids = np.arange(1, 2 * k + 1, dtype=float)
    D_ids = sp.csc_matrix((ids, (np.repeat(np.arange(k), 2), np.c_[np.arange(k), np.arange(k) + 1].ravel())), shape=(k, n))
    A = sp.bmat([[D_ids, -sp.eye(k)], [D_ids, sp.eye(k)]], format="csc")
    P = sp.csc_matrix((np.ones(n), (np.arange(n), np.arange(n))), shape=(n + k, n + k))
    layer = QPLayer(P, A, eps_abs=1e-6, eps_rel=1e-6)
    _, cols = layer.A_indices
    in_x = cols < n
    A_ids = layer.A_pattern.data
    gather = torch.tensor(np.where(in_x, A_ids - 1, 0).astype(np.int64))
    mask = torch.tensor(in_x)
    t_values = torch.tensor(np.where(in_x, 0.0, A_ids), dtype=torch.float64)
    clean, noisy = signals(rng, batch, n)
    d = torch.tensor(np.tile([-1.0, 1.0], k) * (1 + 0.3 * rng.standard_normal(2 * k)), dtype=torch.float64,
                     requires_grad=True)
    log_lam = torch.tensor(np.log(0.02), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([d, log_lam], lr=0.05)
    P_values = torch.ones(n, dtype=torch.float64)
    y = torch.tensor(noisy)
    l = torch.tensor(np.r_[np.full(k, -np.inf), np.zeros(k)])
    u = torch.tensor(np.r_[np.zeros(k), np.full(k, np.inf)])
    target = torch.tensor(clean)
    history = []
    for step in range(steps):
        A_values = torch.where(mask, d[gather], t_values)
        q = torch.cat([-y, torch.exp(log_lam).expand(batch, k)], dim=1)
        x = layer(P_values, q, A_values, l, u)[:, :n]
        loss = ((x - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
        if step % max(1, steps // 8) == 0 or step == steps - 1:
            progress(f"step {step:3d}  loss {loss.item():.5f}  lambda {torch.exp(log_lam).item():.4f}")
    noisy_mse = ((y - target) ** 2).mean().item()
    progress(f"noisy MSE {noisy_mse:.5f} -> denoised MSE {history[-1]:.5f}")
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    ax[0].plot(noisy[0], ".", ms=3, alpha=0.5, label="noisy")
    ax[0].plot(clean[0], label="clean")
    ax[0].plot(x[0].detach().numpy(), label="TV, learned λ and D")
    ax[0].legend(fontsize=8)
    ax[0].set_title("signal 0")
    ax[1].semilogy(history)
    ax[1].axhline(noisy_mse, ls="--", c="gray", label="noisy input")
    ax[1].set_xlabel("step")
    ax[1].set_ylabel("MSE to clean")
    ax[1].legend(fontsize=8)
    save(fig, args.out, progress)


if __name__ == "__main__":
    main()
