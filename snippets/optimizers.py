"""Three first-order optimizers by hand: gradient descent, heavy-ball momentum, Adam.

Each takes a gradient function, a start point and a step count, and returns every iterate, so
a caller can measure the error at each step or draw the path. Heavy ball follows Polyak, "Some
methods of speeding up the convergence of iteration methods" (1964); Adam follows Kingma & Ba,
"Adam: A Method for Stochastic Optimization" (2015), Algorithm 1.
"""

import numpy as np


# --8<-- [start:gd]
def gradient_descent(grad, x0, lr, num_steps):
    """x_{k+1} = x_k - lr * grad(x_k); returns the iterates x_0 ... x_num_steps."""
    X = np.empty((num_steps + 1, len(x0)))  # (num_steps + 1, D)
    X[0] = x0
    for k in range(num_steps):
        X[k + 1] = X[k] - lr * grad(X[k])
    return X


# --8<-- [end:gd]


# --8<-- [start:heavy_ball]
def heavy_ball(grad, x0, lr, beta, num_steps):
    """x_{k+1} = x_k - lr * grad(x_k) + beta * (x_k - x_{k-1}), with x_{-1} = x_0."""
    X = np.empty((num_steps + 1, len(x0)))  # (num_steps + 1, D)
    X[0] = x0
    previous = X[0]
    for k in range(num_steps):
        X[k + 1] = X[k] - lr * grad(X[k]) + beta * (X[k] - previous)
        previous = X[k]
    return X


def polyak_parameters(mu, L):
    """Polyak's tuning for a quadratic with Hessian eigenvalues in [mu, L].

    lr = 4 / (sqrt(L) + sqrt(mu))^2 and beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2,
    which make the error shrink by about (sqrt(kappa) - 1) / (sqrt(kappa) + 1) a step.
    """
    kappa = L / mu
    lr = 4.0 / (np.sqrt(L) + np.sqrt(mu)) ** 2
    beta = ((np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)) ** 2
    return lr, beta


# --8<-- [end:heavy_ball]


# --8<-- [start:adam]
def adam(grad, x0, lr, num_steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam: a step along the running mean of the gradient, divided by its running RMS."""
    X = np.empty((num_steps + 1, len(x0)))  # (num_steps + 1, D)
    X[0] = x0
    m = np.zeros(len(x0))  # (D,) first moment
    v = np.zeros(len(x0))  # (D,) second moment
    for k in range(num_steps):
        g = grad(X[k])  # (D,)
        m = beta1 * m + (1 - beta1) * g  # m_t = beta1 m_{t-1} + (1 - beta1) g_t
        v = beta2 * v + (1 - beta2) * g**2  # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
        m_hat = m / (1 - beta1 ** (k + 1))  # bias correction: m_t / (1 - beta1^t)
        v_hat = v / (1 - beta2 ** (k + 1))  # v_t / (1 - beta2^t)
        X[k + 1] = X[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return X


# --8<-- [end:adam]
