import jax

LR = 0.1


def _sparse_sgd(table, ids, grads):
    # .at[ids].add accumulates repeated ids (scatter-add); it returns a new array functionally,
    # and with the table's buffer donated XLA performs the scatter in place.
    return table.at[ids].add(-LR * grads)


f = jax.jit(_sparse_sgd, donate_argnums=0)
