"""Learning the cost weights of a sparse MPC controller from demonstrations.

The controller solves, for an initial state x0, the QP over z = (x_1..x_T, u_0..u_{T-1})

    minimize  Σ_t x_tᵀ diag(w_x) x_t + u_tᵀ diag(w_u) u_t
    subject to x_{t+1} = A x_t + B u_t (x_0 given), −u_max ≤ u_t ≤ u_max,

a sparse QP with T·(n_x + n_u) variables (11 000 by default). Demonstrations are its solutions for
unknown weights; the weights are learned (as log-weights) by gradient descent on the distance of
the layer's trajectories to the demonstrations, end to end through the QP (batch of initial states,
one symbolic analysis per batch).
"""
import numpy as np
import scipy.sparse as sp
import torch

from _common import Progress, arguments, plt, save
from sparseqp.torch import QPLayer


def mpc_structure(Ad, Bd, T, u_max):
    nx, nu = Bd.shape
    # Rows: dynamics (T·nx equalities), then input bounds (T·nu).
    Sx = sp.kron(sp.eye(T), sp.eye(nx)) - sp.kron(sp.eye(T, k=-1), sp.csc_matrix(Ad))
    Su = -sp.kron(sp.eye(T), sp.csc_matrix(Bd))
    A = sp.bmat([[Sx, Su], [None, sp.eye(T * nu)]], format="csc")
    P = sp.eye(T * (nx + nu), format="csc")
    m = T * nx + T * nu

    def bounds(x0):
        l = np.r_[np.zeros(T * nx), np.full(T * nu, -u_max)]
        u = np.r_[np.zeros(T * nx), np.full(T * nu, u_max)]
        l[:nx] = u[:nx] = Ad @ x0
        return l, u

    return P, A, m, bounds


def main():
    args = arguments(__doc__.splitlines()[0], "mpc_learning.png")
    progress = Progress("mpc")
    rng = np.random.default_rng(args.seed)
    nx, nu = 8, 3
    T, batch, steps = (20, 4, 10) if args.quick else (1000, 4, 30)
    M = rng.standard_normal((nx, nx))
    Ad = 1.02 * M / np.max(np.abs(np.linalg.eigvals(M)))  # slightly unstable: the controller matters
    Bd = rng.standard_normal((nx, nu))
    P, A, m, bounds = mpc_structure(Ad, Bd, T, u_max=1.0)
    n = T * (nx + nu)
    progress(f"QP: n = {n} variables, m = {m} rows, nnz(A) = {A.nnz}, batch {batch}")
    layer = QPLayer(P, A, eps_abs=1e-7, eps_rel=1e-7)
    x0s = rng.standard_normal((batch, nx)) * 3
    lu = [bounds(x0) for x0 in x0s]
    l = torch.tensor(np.stack([a for a, _ in lu]))
    u = torch.tensor(np.stack([b for _, b in lu]))
    q = torch.zeros(n, dtype=torch.float64)
    A_values = torch.tensor(layer.A_pattern.data)

    def P_values(log_wx, log_wu):
        return torch.cat([torch.exp(log_wx).repeat(T), torch.exp(log_wu).repeat(T)])

    true_wx, true_wu = rng.uniform(0.5, 5, nx), rng.uniform(0.05, 1, nu)
    with torch.no_grad():
        demos = layer(P_values(torch.tensor(np.log(true_wx)), torch.tensor(np.log(true_wu))), q, A_values, l, u)
    log_wx = torch.zeros(nx, dtype=torch.float64, requires_grad=True)
    log_wu = torch.zeros(nu, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([log_wx, log_wu], lr=0.15)
    history, errors = [], []
    for step in range(steps):
        z = layer(P_values(log_wx, log_wu), q, A_values, l, u)
        loss = ((z - demos) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        # Weights are identifiable up to a common scale: compare normalized weights.
        w = torch.cat([torch.exp(log_wx), torch.exp(log_wu)]).detach().numpy()
        w_true = np.r_[true_wx, true_wu]
        errors.append(np.linalg.norm(w / w.sum() - w_true / w_true.sum()) / np.linalg.norm(w_true / w_true.sum()))
        history.append(loss.item())
        if step % max(1, steps // 10) == 0 or step == steps - 1:
            progress(f"step {step:3d}  trajectory MSE {loss.item():.3e}  weight error {errors[-1]:.3f}")
    fig, ax = plt.subplots(1, 3, figsize=(13, 3.5))
    ax[0].semilogy(history)
    ax[0].set_title("trajectory MSE to demonstrations")
    ax[0].set_xlabel("step")
    ax[1].plot(errors)
    ax[1].set_title("relative error of normalized weights")
    ax[1].set_xlabel("step")
    horizon = min(T, 60)
    xs = z.detach().numpy()[0, : T * nx].reshape(T, nx)[:horizon]
    ds = demos.numpy()[0, : T * nx].reshape(T, nx)[:horizon]
    ax[2].plot(ds[:, :3], "k--", lw=1)
    ax[2].plot(xs[:, :3])
    ax[2].set_title("states 1-3 (dashed: demonstration)")
    ax[2].set_xlabel("t")
    save(fig, args.out, progress)


if __name__ == "__main__":
    main()
