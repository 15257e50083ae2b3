calls = 0


def f(x):
    global calls
    calls += 1
    return x * 2
