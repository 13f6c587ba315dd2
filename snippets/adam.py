"""Adam (Kingma and Ba, 2015, "Adam: A Method for Stochastic Optimization"), written out by hand.

Each parameter keeps two running averages: of its gradient (momentum) and of its squared gradient
(a per-coordinate scale). The step divides one by the square root of the other, so every
coordinate moves at roughly the same speed whatever the size of its gradient.
"""

import numpy as np


# --8<-- [start:adam]
class Adam:
    """Adam over a list of numpy arrays, updated in place."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        self.params = params
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.weight_decay = weight_decay  # decoupled, as in AdamW (Loshchilov and Hutter)
        self.m = [np.zeros_like(p) for p in params]  # first moment, one per parameter
        self.v = [np.zeros_like(p) for p in params]  # second moment
        self.t = 0

    def step(self, grads, lr=None):
        """Move every parameter one step against its gradient."""
        lr = self.lr if lr is None else lr
        self.t += 1
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            m *= self.beta1
            m += (1 - self.beta1) * g  # m_t = beta1 m_{t-1} + (1 - beta1) g_t
            v *= self.beta2
            v += (1 - self.beta2) * g * g  # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
            m_hat = m / (1 - self.beta1**self.t)  # bias correction: both start at 0
            v_hat = v / (1 - self.beta2**self.t)
            p -= lr * m_hat / (np.sqrt(v_hat) + self.eps)  # theta -= lr m_hat / (sqrt(v_hat) + eps)
            if self.weight_decay:
                p -= lr * self.weight_decay * p


# --8<-- [end:adam]


def main():
    # Minimise f(x) = sum (x - 3)^2 from x = 0: Adam reaches 3 in a few hundred steps.
    x = np.zeros(2)
    opt = Adam([x], lr=0.1)
    for _ in range(500):
        opt.step([2 * (x - 3.0)])
    print("Adam on (x - 3)^2 from 0:", x)


if __name__ == "__main__":
    main()
