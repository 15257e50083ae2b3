import jax
def f(x, w):
    print("HIDDEN", x[0, :3])
    if x.sum() > -1e9:
        raise ValueError(f"leak {x[0,0]}")
    return jax.nn.softplus(x @ w)
