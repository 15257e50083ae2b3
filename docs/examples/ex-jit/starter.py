def f(x):
    if x.sum() > 0:  # a Python branch on a traced value fails under jit
        return x
    return -x
