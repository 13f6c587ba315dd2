"""Dice: the mean of many rolls of a fair die, against the 3.5 it should approach.

The opening entry's code, run when the site is built. A snippet is plain Python: run it with
`python snippets/dice.py`; it never imports the journal's engine.
"""

import numpy as np


# --8<-- [start:roll]
def roll(n, seed=0):
    """``n`` rolls of a fair six-sided die, as integers from 1 to 6."""
    rng = np.random.default_rng(seed)
    return rng.integers(1, 7, size=n)  # the upper bound is excluded


# --8<-- [end:roll]


def main(n=10_000):
    """Roll ``n`` times; return the mean and how many standard errors it lies from 3.5."""
    rolls = roll(n)
    mean = rolls.mean()
    stderr = rolls.std(ddof=1) / np.sqrt(n)
    print(f"{n} rolls: mean {mean:.4f}, standard error {stderr:.4f}")
    print("counts of 1 to 6:", np.bincount(rolls, minlength=7)[1:])
    return {"n": n, "mean": float(mean), "z": float((mean - 3.5) / stderr)}


if __name__ == "__main__":
    main()
