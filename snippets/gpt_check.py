"""The tiny GPT's backward pass against centred differences, every parameter tensor, in float64.

For each parameter array the reference is the definition of the derivative taken symmetrically,
(L(theta + h e_i) - L(theta - h e_i)) / 2h, at up to max_entries entries (all of a small array,
a random sample of a large one). Agreement is the relative error ||a - n|| / (||a|| + ||n||) over
the entries checked; cs231n's notes call <= 1e-7 right for smooth functions.
"""

import numpy as np
from gpt import gpt_backward, gpt_forward, init_params, num_params
from gpt_sort import CONFIG, fresh_batch


# --8<-- [start:check]
def check_gradients(params, config, idx, targets, rng, max_entries=None, h=1e-5):
    """{name: (relative error, entries checked)}: gpt_backward against centred differences."""
    _, _, cache = gpt_forward(params, idx, config, targets)
    grads = gpt_backward(params, cache, config)
    result = {}
    for name, p in params.items():
        flat = p.reshape(-1)  # a view: writing flat[i] nudges the parameter itself
        n = flat.size if max_entries is None else min(flat.size, max_entries)
        entries = rng.choice(flat.size, size=n, replace=False)
        numeric = np.empty(n)
        for j, i in enumerate(entries):
            old = flat[i]
            flat[i] = old + h
            loss_plus = gpt_forward(params, idx, config, targets)[1]
            flat[i] = old - h
            loss_minus = gpt_forward(params, idx, config, targets)[1]
            flat[i] = old
            numeric[j] = (loss_plus - loss_minus) / (2 * h)  # (L(+h) - L(-h)) / 2h
        analytic = grads[name].reshape(-1)[entries]
        err = np.linalg.norm(analytic - numeric) / (
            np.linalg.norm(analytic) + np.linalg.norm(numeric) + 1e-300
        )
        result[name] = (float(err), n)
    return result


def random_point(config, rng, scale=0.3):
    """Initial parameters plus noise. At initialisation every layer-norm gain is 1 and every
    bias 0, and a backward pass that forgot a gain would still pass the check there."""
    params = init_params(config, rng)  # float64
    return {k: v + rng.normal(0.0, scale, v.shape) for k, v in params.items()}


# --8<-- [end:check]


def main(seed=0, max_entries=24, batch_size=4):
    rng = np.random.default_rng(seed)
    params = random_point(CONFIG, rng)
    idx, targets = fresh_batch(rng, batch_size)  # (B, 2n) sorting sequences
    result = check_gradients(params, CONFIG, idx, targets, rng, max_entries=max_entries)
    checked = sum(n for _, n in result.values())
    worst_name = max(result, key=lambda k: result[k][0])
    print(f"{len(result)} parameter tensors, {num_params(params):,} parameters, float64, h = 1e-5;")
    print(f"{checked:,} entries checked (up to {max_entries} per tensor)")
    for name, (err, n) in result.items():
        print(f"  {name:<16} {n:>4} entries   relative error {err:.1e}")
    print(f"worst: {result[worst_name][0]:.1e} ({worst_name})")
    return {
        "worst": max(err for err, _ in result.values()),
        "worst_name": worst_name,
        "n_tensors": len(result),
        "n_checked": checked,
        "n_params": num_params(params),
        "max_entries": max_entries,
    }


if __name__ == "__main__":
    main()
