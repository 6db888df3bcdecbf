"""A sparse-coding (lasso) layer inside a small network.

    z*(v) = argmin_z ½‖Bz − v‖² + (ε/2)‖z‖² + α‖z‖₁      (ε > 0 makes the code unique)

as a QP in (z, s): minimize ½zᵀ(BᵀB + εI)z − (Bᵀv)ᵀz + α·1ᵀs  subject to  z − s ≤ 0, z + s ≥ 0.
The network is  input → linear encoder → v → z*(v) → linear classifier, trained with
cross-entropy on a synthetic two-class problem; the dictionary B and α are learned too (B enters
P's values, v and α enter q). Gradients flow through the layer's adjoint.
"""
import numpy as np
import scipy.sparse as sp
import torch

from _common import Progress, arguments, plt, save
from sparseqp.torch import QPLayer


def main():
    args = arguments(__doc__.splitlines()[0], "lasso_layer.png")
    progress = Progress("lasso")
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    d_in, d_v, atoms = 10, 8, 16
    samples, epochs, batch = (64, 2, 32) if args.quick else (512, 12, 64)
    X = rng.standard_normal((samples, d_in))
    labels = (np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] > 0).astype(np.int64)
    n = 2 * atoms
    P = sp.csc_matrix(np.triu(np.ones((n, n)))[:, :] * np.r_[np.ones(atoms), np.zeros(atoms)][:, None]
                      * np.r_[np.ones(atoms), np.zeros(atoms)][None, :])
    I = sp.eye(atoms)
    A = sp.bmat([[I, -I], [I, I]], format="csc")
    layer = QPLayer(P, A, eps_abs=1e-7, eps_rel=1e-7)
    rows, cols = layer.P_indices
    upper_rows, upper_cols = torch.tensor(rows), torch.tensor(cols)
    l = torch.tensor(np.r_[np.full(atoms, -np.inf), np.zeros(atoms)])
    u = torch.tensor(np.r_[np.zeros(atoms), np.full(atoms, np.inf)])
    A_values = torch.tensor(layer.A_pattern.data)
    encoder = torch.nn.Linear(d_in, d_v).double()
    classifier = torch.nn.Linear(atoms, 2).double()
    B = torch.nn.Parameter(torch.randn(d_v, atoms, dtype=torch.float64) / np.sqrt(d_v))
    log_alpha = torch.nn.Parameter(torch.tensor(np.log(0.1), dtype=torch.float64))
    params = [*encoder.parameters(), *classifier.parameters(), B, log_alpha]
    opt = torch.optim.Adam(params, lr=0.02)
    Xt, yt = torch.tensor(X), torch.tensor(labels)
    losses, accuracies, sparsity = [], [], []
    for epoch in range(epochs):
        perm = torch.randperm(samples)
        for start in range(0, samples, batch):
            idx = perm[start:start + batch]
            v = encoder(Xt[idx])
            G = B.T @ B + 1e-2 * torch.eye(atoms, dtype=torch.float64)
            P_values = G[upper_rows, upper_cols]
            q = torch.cat([-(v @ B), torch.exp(log_alpha).expand(len(idx), atoms)], dim=1)
            z = layer(P_values, q, A_values, l, u)[:, :atoms]
            logits = classifier(z)
            loss = torch.nn.functional.cross_entropy(logits, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            accuracies.append((logits.argmax(1) == yt[idx]).double().mean().item())
            sparsity.append((z.abs() < 1e-6).double().mean().item())
        progress(f"epoch {epoch:2d}  loss {np.mean(losses[-(samples // batch):]):.4f}  "
                 f"accuracy {np.mean(accuracies[-(samples // batch):]):.3f}  zero codes {sparsity[-1]:.2f}  "
                 f"alpha {torch.exp(log_alpha).item():.3f}")
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
    ax[0].plot(losses, label="cross-entropy")
    ax[0].plot(accuracies, label="batch accuracy")
    ax[0].set_xlabel("step")
    ax[0].legend(fontsize=8)
    ax[1].plot(sparsity)
    ax[1].set_title("fraction of zero code entries")
    ax[1].set_xlabel("step")
    save(fig, args.out, progress)


if __name__ == "__main__":
    main()
