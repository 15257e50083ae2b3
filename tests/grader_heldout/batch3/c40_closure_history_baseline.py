# Pitfall (purity): a REINFORCE-style baseline kept in a list captured by a closure; every call appends
# to it and the output depends on everything appended so far (hidden state; under jit the list collects
# tracers). Fix: carry the running baseline in and out explicitly. No reference.
import jax, jax.numpy as jnp, numpy as np

def make_advantage():
    history = []
    def advantage(rewards):
        history.append(rewards.mean())
        baseline = jnp.mean(jnp.stack(history))
        return rewards - baseline
    return advantage

f = make_advantage()

def example_args(seed=0):
    return (jnp.asarray(np.random.default_rng(seed).normal(1.0, 1.0, size=(16,)), jnp.float32),)
