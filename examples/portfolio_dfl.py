"""Decision-focused portfolio learning: a forecaster of expected returns trained through the QP.

Each period the portfolio solves (sparse factor model Σ = F Fᵀ + diag(d), auxiliary y = Fᵀx)

    minimize  (γ/2)(xᵀ diag(d) x + yᵀy) − μ̂ᵀx   subject to  Fᵀx − y = 0, 1ᵀx = 1, 0 ≤ x ≤ x_max,

with μ̂ = W·features from a linear forecaster. Two forecasters are compared on held-out periods:
one fitted by least squares to the realized returns (predict, then optimize), and one trained
through the QP layer to maximize the realized return of the chosen portfolios (decision-focused,
started from the least-squares one).
"""
import numpy as np
import scipy.sparse as sp
import torch

from _common import Progress, arguments, plt, save
from sparseqp.torch import QPLayer


def main():
    args = arguments(__doc__.splitlines()[0], "portfolio_dfl.png")
    progress = Progress("portfolio")
    rng = np.random.default_rng(args.seed)
    N, k, p = (20, 3, 5) if args.quick else (120, 8, 8)
    train, test, steps = (32, 32, 6) if args.quick else (96, 96, 30)
    gamma, x_max = 2.0, 0.1 if not args.quick else 0.25
    F = sp.random(N, k, density=0.5, random_state=rng, format="csc")
    d = rng.uniform(0.01, 0.05, N)
    # Returns: a nonlinear function of the features that a linear forecaster only approximates.
    W_true = rng.standard_normal((N, p)) * 0.05
    def returns(features):
        lin = features @ W_true.T
        return lin + 0.05 * np.tanh(3 * lin) + 0.02 * rng.standard_normal(lin.shape)
    f_train, f_test = rng.standard_normal((train, p)), rng.standard_normal((test, p))
    r_train, r_test = returns(f_train), returns(f_test)

    P = sp.block_diag([sp.diags(gamma * d), gamma * sp.eye(k)], format="csc")
    A = sp.bmat([[F.T, -sp.eye(k)], [sp.csc_matrix(np.ones((1, N))), None], [sp.eye(N), None]], format="csc")
    layer = QPLayer(P, A, eps_abs=1e-7, eps_rel=1e-7)
    P_values = torch.tensor(layer.P_pattern.data)
    A_values = torch.tensor(layer.A_pattern.data)
    l = torch.tensor(np.r_[np.zeros(k), 1.0, np.zeros(N)])
    u = torch.tensor(np.r_[np.zeros(k), 1.0, np.full(N, x_max)])
    progress(f"QP: n = {N + k}, m = {A.shape[0]}, {train} training and {test} test periods")

    def realized(W, features, r):
        mu = torch.tensor(features) @ W.T
        q = torch.cat([-mu, torch.zeros(len(features), k, dtype=torch.float64)], dim=1)
        x = layer(P_values, q, A_values, l, u)[:, :N]
        return (x * torch.tensor(r)).sum(dim=1).mean()

    # Predict-then-optimize: least squares.
    W_ls = np.linalg.lstsq(f_train, r_train, rcond=None)[0].T
    with torch.no_grad():
        base_test = realized(torch.tensor(W_ls), f_test, r_test).item()
    progress(f"least-squares forecaster: test realized return {base_test:.4f}")
    W = torch.tensor(W_ls, requires_grad=True)
    opt = torch.optim.Adam([W], lr=0.01)
    train_curve, test_curve = [], []
    for step in range(steps):
        loss = -realized(W, f_train, r_train)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            test_curve.append(realized(W, f_test, r_test).item())
        train_curve.append(-loss.item())
        if step % max(1, steps // 8) == 0 or step == steps - 1:
            progress(f"step {step:3d}  train return {train_curve[-1]:.4f}  test return {test_curve[-1]:.4f}")
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(train_curve, label="decision-focused, train")
    ax.plot(test_curve, label="decision-focused, test")
    ax.axhline(base_test, ls="--", c="gray", label="least squares, test")
    ax.set_xlabel("step")
    ax.set_ylabel("mean realized return")
    ax.legend(fontsize=8)
    save(fig, args.out, progress)


if __name__ == "__main__":
    main()
