"""Alpha: a square, computed quickly."""


# --8<-- [start:square]
def square(x):
    """x squared."""
    return x * x


# --8<-- [end:square]


def main():
    """Returns the square of 7."""
    return {"value": square(7)}


if __name__ == "__main__":
    print(main())
