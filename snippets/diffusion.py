"""Denoising diffusion for points in the plane, in numpy.

Follows Ho, Jain and Abbeel, "Denoising Diffusion Probabilistic Models" (2020): a fixed forward
chain that adds Gaussian noise in T small steps, a network trained to predict the noise that was
added (Algorithm 1), and ancestral sampling that walks the chain backwards (Algorithm 2). The idea
of learning to reverse a diffusion is Sohl-Dickstein et al., "Deep Unsupervised Learning using
Nonequilibrium Thermodynamics" (2015).

Shapes: B a batch of points, T the number of noising steps, H the hidden width, F the number of
Fourier frequencies of the input.
"""

import numpy as np
from adam import Adam
from layers import (
    linear_backward,
    linear_forward,
    linear_init,
    relu_backward,
    relu_forward,
)


# --8<-- [start:schedule]
def make_schedule(T=50, beta_1=1e-3, beta_T=0.2):
    """The noise schedule: beta_t rising linearly, and what the closed form needs."""
    beta = np.linspace(beta_1, beta_T, T)  # (T,) index 0 is step t = 1
    alpha = 1.0 - beta  # alpha_t = 1 - beta_t
    alpha_bar = np.cumprod(alpha)  # alpha_bar_t = prod_{s <= t} alpha_s
    return {"T": T, "beta": beta, "alpha": alpha, "alpha_bar": alpha_bar}


# --8<-- [end:schedule]


# --8<-- [start:forward]
def q_step(x_prev, t, sched, rng):
    """One step of the chain: x_t = sqrt(1 - beta_t) x_{t-1} + sqrt(beta_t) z."""
    beta_t = sched["beta"][t - 1]
    z = rng.standard_normal(x_prev.shape)  # (B, 2)
    return np.sqrt(1.0 - beta_t) * x_prev + np.sqrt(beta_t) * z


def q_sample(x0, t, eps, sched):
    """All t steps at once: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps."""
    a_bar = sched["alpha_bar"][t - 1][..., None]  # (B, 1), t may be one step per row
    return np.sqrt(a_bar) * x0 + np.sqrt(1.0 - a_bar) * eps  # (B, 2)


# --8<-- [end:forward]


# --8<-- [start:model]
def fourier_features(x, F=3):
    """[x, sin(2^k x), cos(2^k x)] for k < F: lets a small ReLU net draw thin curves."""
    freq = 2.0 ** np.arange(F)  # (F,) 1, 2, 4
    angle = (x[:, :, None] * freq).reshape(len(x), -1)  # (B, 2F)
    return np.concatenate([x, np.sin(angle), np.cos(angle)], axis=1)  # (B, 2 + 4F)


def init_eps_model(rng, T, H=64, layers=3, F=3):
    """An MLP from (x_t, t) to the noise; every layer learns one vector per step t."""
    widths = [2 + 4 * F] + [H] * layers
    hidden = [
        {
            "lin": linear_init(d_in, d_out, rng, gain=np.sqrt(2.0)),  # He init for ReLU
            "emb": {"C": np.zeros((T, d_out))},  # (T, H) time embedding
        }
        for d_in, d_out in zip(widths[:-1], widths[1:], strict=True)
    ]
    return {"F": F, "hidden": hidden, "out": linear_init(H, 2, rng)}


def eps_forward(model, x, t):
    """eps_theta(x_t, t) for points x (B, 2) at steps t (B,), and the caches."""
    h = fourier_features(x, model["F"]) if model["F"] else x  # (B, 2 + 4F)
    T = model["hidden"][0]["emb"]["C"].shape[0]
    onehot = np.eye(T)[t - 1]  # (B, T) row b picks step t_b
    caches = []
    for layer in model["hidden"]:
        z, c_lin = linear_forward(h, layer["lin"])  # (B, H) = h W + b
        e = onehot @ layer["emb"]["C"]  # (B, H) = C[t - 1], the step's learned vector
        h, c_relu = relu_forward(z + e)  # (B, H) time enters every layer as a bias
        caches.append((c_lin, c_relu))
    out, c_out = linear_forward(h, model["out"])  # (B, 2) the predicted noise
    return out, (caches, onehot, c_out)


def eps_backward(dout, cache):
    """Gradients of every parameter, shaped like the model's dicts."""
    caches, onehot, c_out = cache
    dh, g_out = linear_backward(dout, c_out)  # (B, H)
    g_hidden = [None] * len(caches)
    for i in reversed(range(len(caches))):
        c_lin, c_relu = caches[i]
        dz, _ = relu_backward(dh, c_relu)  # (B, H), also d loss / d C[t - 1]
        dC = onehot.T @ dz  # (T, H) scatter-add as a matrix product: dC[t - 1] += dz
        dh, g_lin = linear_backward(dz, c_lin)  # (B, d_in)
        g_hidden[i] = {"lin": g_lin, "emb": {"C": dC}}
    return {"hidden": g_hidden, "out": g_out}


# --8<-- [end:model]


def parameter_arrays(tree):
    """Every array of a model (or of its gradients) in one fixed order."""
    if isinstance(tree, np.ndarray):
        return [tree]
    if isinstance(tree, dict):
        return [a for k in sorted(tree) if k != "F" for a in parameter_arrays(tree[k])]
    return [a for item in tree for a in parameter_arrays(item)]


def share_one_buffer(model):
    """Make every parameter a view into one flat vector: the optimizer updates one array."""
    arrays = parameter_arrays(model)
    theta = np.concatenate([a.ravel() for a in arrays])  # (P,) all parameters
    offset = 0

    def rebind(tree):
        nonlocal offset
        for key in sorted(tree) if isinstance(tree, dict) else range(len(tree)):
            value = tree[key]
            if isinstance(value, np.ndarray):
                tree[key] = theta[offset : offset + value.size].reshape(value.shape)  # a view
                offset += value.size
            elif isinstance(value, dict | list):
                rebind(value)

    rebind(model)
    return theta


# --8<-- [start:train]
def loss_and_grads(model, x0, sched, rng):
    """Ho et al.'s loss: |eps - eps_theta(sqrt(a_bar) x0 + sqrt(1 - a_bar) eps)|^2."""
    B = len(x0)
    t = rng.integers(1, sched["T"] + 1, size=B)  # (B,) t ~ Uniform{1, ..., T}
    eps = rng.standard_normal(x0.shape)  # (B, 2) eps ~ N(0, I)
    x_t = q_sample(x0, t, eps, sched)  # (B, 2) jump straight to step t
    pred, cache = eps_forward(model, x_t, t)  # (B, 2)
    diff = pred - eps
    loss = np.mean(diff**2)
    grads = eps_backward(2.0 * diff / diff.size, cache)  # d mean(diff^2) / d pred
    return loss, grads


def train(model, X, sched, rng, num_steps=2000, batch_size=128, lr=3e-3):
    """Minibatch Adam, learning rate decayed along a cosine; returns every loss."""
    theta = share_one_buffer(model)  # (P,) one vector, so one Adam update
    opt = Adam([theta], lr=lr)
    losses = np.empty(num_steps)
    for step in range(num_steps):
        x0 = X[rng.integers(0, len(X), size=batch_size)]  # (B, 2) data points
        losses[step], grads = loss_and_grads(model, x0, sched, rng)
        lr_t = lr * 0.5 * (1 + np.cos(np.pi * step / num_steps))  # cosine decay to 0
        grad = np.concatenate([a.ravel() for a in parameter_arrays(grads)])  # (P,)
        opt.step([grad], lr=lr_t)
    return losses


# --8<-- [end:train]


# --8<-- [start:sample]
def predictor(model):
    """eps_theta as a plain function of (x, t): what the sampler calls."""
    return lambda x, t: eps_forward(model, x, t)[0]


def sample(eps_model, n, sched, rng, steps=None, keep=()):
    """Ancestral sampling: from x_T ~ N(0, I), draw x_{t-1} ~ p(x_{t-1} | x_t) to x_0.

    eps_model(x, t) predicts the noise. steps, an increasing subsequence of 1..T ending
    at T, skips the others (Nichol and Dhariwal's respacing); keep: steps to return.
    """
    a_bar = sched["alpha_bar"]
    steps = list(range(1, sched["T"] + 1)) if steps is None else list(steps)
    x = rng.standard_normal((n, 2))  # (n, 2) x_T
    kept = {steps[-1]: x} if steps[-1] in keep else {}
    for k in reversed(range(len(steps))):
        t, s = steps[k], steps[k - 1] if k > 0 else 0  # from step t down to step s
        a_bar_t, a_bar_s = a_bar[t - 1], a_bar[s - 1] if s > 0 else 1.0
        alpha = a_bar_t / a_bar_s  # alpha_t (without skipping: 1 - beta_t)
        beta = 1.0 - alpha
        eps = eps_model(x, np.full(n, t))  # (n, 2)
        mean = (x - beta / np.sqrt(1 - a_bar_t) * eps) / np.sqrt(alpha)  # mu_theta
        if s > 0:
            var = beta * (1 - a_bar_s) / (1 - a_bar_t)  # beta~_t, posterior variance
            x = mean + np.sqrt(var) * rng.standard_normal(x.shape)  # x_s
        else:
            x = mean  # the last step adds no noise
        if s in keep:
            kept[s] = x
    return x, kept


# --8<-- [end:sample]
