from flax import nnx


class Net(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.hidden = nnx.Linear(8, 16, rngs=rngs)
        self.bn = nnx.BatchNorm(16, rngs=rngs)
        self.drop = nnx.Dropout(0.3, rngs=rngs)
        self.out = nnx.Linear(16, 1, rngs=rngs)

    def __call__(self, x):
        h = nnx.relu(self.bn(self.hidden(x)))
        return self.out(self.drop(h))


def f(x_train, x_test):
    model = Net(nnx.Rngs(params=0, dropout=1))
    model.train()                  # explicit: batch statistics and dropout on
    for batch in x_train:
        model(batch)
    model.eval()                   # running averages, no dropout, no statistics update
    predictions = model(x_test)
    return predictions, model.bn.mean[...]
