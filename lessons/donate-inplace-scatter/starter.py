LR = 0.1


def f(table, ids, grads):
    """Sparse SGD step on an embedding table: row ids[i] moves by -LR * grads[i]."""
    table[ids] -= LR * grads      # update in place, as in NumPy: no copy of the big table
    return table
