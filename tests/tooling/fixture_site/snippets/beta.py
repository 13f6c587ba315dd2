"""Beta: a value and a figure (the preview test edits this file)."""

import matplotlib.pyplot as plt

VALUE = 1


def main():
    """Prints and returns VALUE, and draws three dots."""
    print(f"beta value {VALUE}")
    fig, ax = plt.subplots(figsize=(2, 1.5), num="dots")
    ax.plot([0, 1, 2], [0, 1, 2], "o")
    return {"value": VALUE}


if __name__ == "__main__":
    print(main())
