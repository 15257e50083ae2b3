import jax
import jax.numpy as jnp

LR = 1e-3
COMPUTE = jnp.bfloat16


def f(w, xs, ys):
    # Master weights stay float32; each step casts a bf16 copy for the matmuls, which accumulate
    # in float32 (preferred_element_type). The update is applied to the float32 weights.
    def step(w, batch):
        x, y = batch
        xc, wc = x.astype(COMPUTE), w.astype(COMPUTE)
        pred = jnp.matmul(xc, wc, preferred_element_type=jnp.float32)
        err = pred - y
        grad = jnp.matmul(err.astype(COMPUTE), xc, preferred_element_type=jnp.float32) / x.shape[0]
        return w - LR * grad, jnp.mean(err ** 2)

    return jax.lax.scan(step, w, (xs, ys))
