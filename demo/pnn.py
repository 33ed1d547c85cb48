"""The parametrised neural network (PNN) of the demo and what its training and evaluation share
with the identical-outputs test (tests/python/test_demo_identical.py): the network (3 hidden
layers x 60 nodes, inputs standardised inside it), one epoch of training over any iterable of
(X, y) torch batches, scores, and the ROC AUC per mass point with its statistical uncertainty.

The PNN method: the signal masses (m(chi1+-), m(chi10)) are inputs; a background event carries
masses drawn from the signal grid when training, and is evaluated at each mass point's masses.
"""
import numpy as np
import torch
from sklearn.metrics import roc_auc_score, roc_curve

HIDDEN, WIDTH = 3, 60


class PNN(torch.nn.Module):
    """Standardisation by fixed mean/std (of the training data), then 3 x 60 ReLU layers and
    one logit."""

    def __init__(self, mean, std, seed):
        super().__init__()
        torch.manual_seed(seed)
        n = len(mean)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("scale", 1 / torch.as_tensor(std, dtype=torch.float32).clamp_min(1e-6))
        layers, width = [], n
        for _ in range(HIDDEN):
            layers += [torch.nn.Linear(width, WIDTH), torch.nn.ReLU()]
            width = WIDTH
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(width, 1))

    def forward(self, x):
        return self.net((x - self.mean) * self.scale)


def make(mean, std, seed=1, lr=1e-3):
    """(model, optimiser, loss) for features with this mean and std."""
    model = PNN(mean, std, seed)
    return model, torch.optim.Adam(model.parameters(), lr=lr), torch.nn.BCEWithLogitsLoss()


def train_epoch(model, opt, loss_fn, batches, on_batch=None):
    """One epoch over (X, y) batches (y of shape [B] or [B, 1]); the mean loss per row.
    on_batch(rows) is called after each step (a progress display)."""
    model.train()
    total, rows = 0.0, 0
    for X, y in batches:
        opt.zero_grad()
        loss = loss_fn(model(X), y.reshape(-1, 1).to(X.dtype))
        loss.backward()
        opt.step()
        total += loss.item() * len(X)
        rows += len(X)
        if on_batch:
            on_batch(len(X))
    return total / max(rows, 1)


@torch.no_grad()
def scores(model, X):
    """Sigmoid outputs for a NumPy or torch [N, n] array, as a float64 NumPy array."""
    model.eval()
    return torch.sigmoid(model(torch.as_tensor(X))).numpy().ravel().astype(np.float64)


def auc_uncertainty(auc, n_sig, n_bkg):
    """Hanley & McNeil (1982): the standard error of an AUC from n_sig and n_bkg events."""
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_sig - 1) * (q1 - auc * auc) + (n_bkg - 1) * (q2 - auc * auc))
    return float(np.sqrt(max(var, 0.0) / (n_sig * n_bkg)))


def per_mass_point(model, X, y, grid, mass_columns):
    """{(m_C, m_N): dict(auc, err, roc=(fpr, tpr), sig, bkg scores)}: each point's signal
    against every background event evaluated at that point's masses."""
    ic, inn = mass_columns
    y = np.asarray(y).ravel()
    bkg = np.array(X[y == 0], dtype=np.float32)
    out = {}
    for mc, mn in grid:
        sig = X[(y == 1) & (X[:, ic] == mc) & (X[:, inn] == mn)]
        if len(sig) == 0:
            continue
        bkg[:, ic], bkg[:, inn] = mc, mn
        s, b = scores(model, sig), scores(model, bkg)
        truth = np.r_[np.ones(len(s)), np.zeros(len(b))]
        auc = roc_auc_score(truth, np.r_[s, b])
        fpr, tpr, _ = roc_curve(truth, np.r_[s, b])
        out[mc, mn] = dict(auc=auc, err=auc_uncertainty(auc, len(s), len(b)), roc=(fpr, tpr),
                           sig=s, bkg=b)
    return out
