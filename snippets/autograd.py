"""A scalar reverse-mode automatic differentiation engine.

A `Value` is one float in an expression graph. Every arithmetic operation on Values makes a new
Value that remembers its parents and a small closure that knows the local derivative of that one
operation. `backward()` on the final output visits the graph in reverse topological order and
applies the chain rule once per edge, so every node ends up holding d(output)/d(node).

The design follows Andrej Karpathy's micrograd (2020); the topological sort here is iterative, so
deep graphs do not hit Python's recursion limit.
"""

import math
import sys


# --8<-- [start:value]
class Value:
    """One scalar in an expression graph: its data, d(output)/d(it), and the op that made it."""

    def __init__(self, data, parents=(), op="", label=""):
        self.data = float(data)
        self.grad = 0.0  # d(output)/d(self), filled in by backward()
        self._parents = parents  # the Values this one was computed from
        self._op = op  # "+", "*", "tanh", ... ("" for a leaf)
        self._backward = lambda: None  # pushes self.grad to the parents' grads
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # --8<-- [end:value]

    # --8<-- [start:ops]
    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            # out = a + b:  d out/d a = 1,  d out/d b = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            # out = a * b:  d out/d a = b,  d out/d b = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k):
        assert isinstance(k, int | float), "only constant exponents"
        out = Value(self.data**k, (self,), f"**{k:g}")

        def _backward():
            # out = a**k:  d out/d a = k a**(k-1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            # out = tanh(a):  d out/d a = 1 - tanh(a)**2
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        e = math.exp(self.data)
        out = Value(e, (self,), "exp")

        def _backward():
            # out = e**a:  d out/d a = e**a
            self.grad += e * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward():
            # out = max(a, 0):  d out/d a = 1 if a > 0 else 0
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    # The rest are compositions of the ops above, so they need no derivative of their own.
    def __neg__(self):  # -a
        return self * -1

    def __sub__(self, other):  # a - b
        return self + (-other)

    def __truediv__(self, other):  # a / b = a * b**-1
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1

    def __radd__(self, other):  # 3 + a
        return self + other

    def __rmul__(self, other):  # 3 * a
        return self * other

    def __rsub__(self, other):  # 3 - a
        return other + (-self)

    def __rtruediv__(self, other):  # 3 / a
        return other * self**-1

    # --8<-- [end:ops]

    # --8<-- [start:backward]
    def backward(self):
        """Fill in .grad of every node this Value depends on, by the chain rule in reverse order."""
        self.grad = 1.0  # d out/d out
        for node in reversed(topological_order(self)):
            node._backward()  # by now node.grad holds every contribution from its consumers

    # --8<-- [end:backward]


# --8<-- [start:topo]
def topological_order(root):
    """Every node root depends on, each after all of its parents (an iterative post-order DFS)."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)  # all of node's parents are already in `order`
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))  # come back to node after its parents
            # reversed, so the first parent is popped (and finished) first
            stack.extend((p, False) for p in reversed(node._parents) if p not in seen)
    return order


# --8<-- [end:topo]


def topological_order_recursive(root):
    """The same order by recursion, as micrograd writes it: one Python frame per level of depth."""
    order, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            for p in node._parents:
                visit(p)
            order.append(node)

    visit(root)
    return order


# --8<-- [start:micrograd_example]
def micrograd_example(a, b):
    """The worked example from micrograd's README, as a function of two Values; returns g."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


# --8<-- [end:micrograd_example]


# --8<-- [start:neuron]
def neuron(x1, x2, w1, w2, b):
    """Karpathy's tanh neuron, o = tanh(x1 w1 + x2 w2 + b), as a function of five Values."""
    x1w1 = x1 * w1
    x2w2 = x2 * w2
    s = x1w1 + x2w2
    n = s + b
    o = n.tanh()
    x1w1.label, x2w2.label, s.label, n.label, o.label = "x1w1", "x2w2", "x1w1+x2w2", "n", "o"
    return o


# b = 6.8813735870195432 makes n = atanh(1/sqrt(2)), so o = 1/sqrt(2) and do/dn = 1 - o**2 = 1/2
NEURON_INPUTS = dict(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.8813735870195432)

# --8<-- [end:neuron]


def main():
    a, b = Value(-4.0, label="a"), Value(2.0, label="b")
    g = micrograd_example(a, b)
    g.backward()
    print("micrograd README example")
    print(f"  g = {g.data:.4f}   dg/da = {a.grad:.4f}   dg/db = {b.grad:.4f}")
    print(f"  the graph has {len(topological_order(g))} nodes")

    leaves = {k: Value(v, label=k) for k, v in NEURON_INPUTS.items()}
    o = neuron(**leaves)
    o.backward()
    print("tanh neuron")
    print(f"  o = {o.data:.4f}")
    for k, v in leaves.items():
        print(f"  do/d{k:<2} = {v.grad:+.4f}")

    # A node used twice must collect both contributions: d(x + x)/dx = 2, d(x * x)/dx = 2x.
    x_reuse = 3.0
    x = Value(x_reuse)
    (x + x).backward()
    grad_x_plus_x = x.grad
    x = Value(x_reuse)
    (x * x).backward()
    grad_x_times_x = x.grad
    print(f"reuse: d(x+x)/dx = {grad_x_plus_x}, d(x*x)/dx at x={x_reuse:g} is {grad_x_times_x}")

    # A long chain y = x + x + ... + x: the recursive sort needs one stack frame per link.
    chain_len = 2 * sys.getrecursionlimit()
    x = Value(1.0)
    y = x
    for _ in range(chain_len):
        y = y + x
    y.backward()
    try:
        topological_order_recursive(y)
        recursive_fails = False
    except RecursionError:
        recursive_fails = True
    print(
        f"chain of {chain_len} additions: dy/dx = {x.grad:g}; "
        f"recursive sort raises RecursionError: {recursive_fails}"
    )

    return {
        "g": g.data,
        "dg_da": a.grad,
        "dg_db": b.grad,
        "g_nodes": len(topological_order(g)),
        "o": o.data,
        **{f"do_d{k}": v.grad for k, v in leaves.items()},
        "x_reuse": x_reuse,
        "grad_x_plus_x": grad_x_plus_x,
        "grad_x_times_x": grad_x_times_x,
        "chain_len": chain_len,
        "chain_grad": x.grad,
        "recursion_limit": sys.getrecursionlimit(),
        "recursive_fails": recursive_fails,
    }


if __name__ == "__main__":
    main()
