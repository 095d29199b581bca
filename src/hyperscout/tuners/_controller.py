"""`LSTMController`: the policy network of `RLTuner`, an LSTM with one softmax head per
decision, in numpy: forward sampling one step at a time, and REINFORCE's gradient by
backpropagation through time over a finished sequence, applied with Adam.

Shapes: H is `hidden_size`; decision ``t`` has ``n_t`` values. Parameters are
``start`` [H] (the first input), ``embed_t`` [n_t, H] (input after decision ``t``), one LSTM
cell ``W`` [4H, 2H] and ``b`` [4H] (gates i, f, o, g), and heads ``head_t`` [n_t, H],
``bias_t`` [n_t].
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

GRAD_CLIP = 5.0
"""Global gradient norm above which an update is scaled down (as in ENAS)."""


@dataclass(frozen=True)
class _State:
    x: np.ndarray  # the next input [H]
    h: np.ndarray  # hidden state [H]
    c: np.ndarray  # cell state [H]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max())
    return z / z.sum()


class LSTMController:
    """An LSTM policy over a fixed list of decisions with `sizes[t]` values each."""

    def __init__(self, sizes: Sequence[int], *, hidden_size: int, learning_rate: float,
                 rng: np.random.Generator) -> None:
        h = hidden_size
        init = 0.1  # uniform(-0.1, 0.1), as in ENAS

        def uniform(*shape: int) -> np.ndarray:
            return rng.uniform(-init, init, size=shape)

        self.hidden_size = h
        self.params: dict[str, np.ndarray] = {"start": uniform(h), "W": uniform(4 * h, 2 * h),
                                              "b": np.zeros(4 * h)}
        self.params["b"][h:2 * h] = 1.0  # forget-gate bias: remember by default
        for t, n in enumerate(sizes):
            self.params[f"embed{t}"] = uniform(n, h)
            self.params[f"head{t}"] = uniform(n, h)
            self.params[f"bias{t}"] = np.zeros(n)
        self._adam = _Adam(self.params, learning_rate)

    # -- sampling --------------------------------------------------------------------------
    def start(self) -> _State:
        zeros = np.zeros(self.hidden_size)
        return _State(self.params["start"], zeros, zeros)

    def step(self, state: _State, t: int, temperature: float) -> tuple[np.ndarray, _State]:
        """Run the cell on the state's input; return decision `t`'s probabilities."""
        h, c, _ = self._cell(state.x, state.h, state.c)
        logits = (self.params[f"head{t}"] @ h + self.params[f"bias{t}"]) / temperature
        return _softmax(logits), _State(state.x, h, c)

    def feed(self, state: _State, t: int, choice: int) -> _State:
        """The state whose next input is the embedding of `choice` at decision `t`."""
        return _State(self.params[f"embed{t}"][choice], state.h, state.c)

    def _cell(self, x: np.ndarray, h: np.ndarray, c: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
        n = self.hidden_size
        xh = np.concatenate([x, h])
        z = self.params["W"] @ xh + self.params["b"]
        i, f, o = _sigmoid(z[:n]), _sigmoid(z[n:2 * n]), _sigmoid(z[2 * n:3 * n])
        g = np.tanh(z[3 * n:])
        c_new = f * c + i * g
        tanh_c = np.tanh(c_new)
        return o * tanh_c, c_new, (xh, c, i, f, o, g, tanh_c)

    # -- learning --------------------------------------------------------------------------
    def loss_and_grads(self, actions: Sequence[tuple[int, int]], advantage: float, *,
                       entropy_weight: float, temperature: float
                       ) -> tuple[float, dict[str, np.ndarray]]:
        """REINFORCE's loss ``-advantage * sum(log p) - entropy_weight * sum(entropy)`` for
        the sequence of ``(decision, choice)`` `actions`, and its gradient."""
        p = self.params
        n = self.hidden_size
        x, h, c = p["start"], np.zeros(n), np.zeros(n)
        tape = []
        loss = 0.0
        for t, choice in actions:  # forward, teacher-forced on the actions taken
            h, c, cache = self._cell(x, h, c)
            probs = _softmax((p[f"head{t}"] @ h + p[f"bias{t}"]) / temperature)
            log_probs = np.log(np.maximum(probs, 1e-300))
            entropy = -float(probs @ log_probs)
            loss += -advantage * float(log_probs[choice]) - entropy_weight * entropy
            # d loss / d logits: REINFORCE term, then the entropy term
            d_logits = advantage * probs
            d_logits[choice] -= advantage
            d_logits += entropy_weight * probs * (log_probs + entropy)
            tape.append((t, choice, h, cache, d_logits / temperature))
            x = p[f"embed{t}"][choice]
        grads = {k: np.zeros_like(v) for k, v in p.items()}
        dh_next, dc_next = np.zeros(n), np.zeros(n)
        for k in range(len(tape) - 1, -1, -1):  # backward through time
            t, choice, h, (xh, c_prev, i, f, o, g, tanh_c), d_logits = tape[k]
            grads[f"head{t}"] += np.outer(d_logits, h)
            grads[f"bias{t}"] += d_logits
            dh = p[f"head{t}"].T @ d_logits + dh_next
            do = dh * tanh_c
            dc = dh * o * (1.0 - tanh_c**2) + dc_next
            dz = np.concatenate([dc * g * i * (1 - i), dc * c_prev * f * (1 - f),
                                 do * o * (1 - o), dc * i * (1 - g**2)])
            grads["W"] += np.outer(dz, xh)
            grads["b"] += dz
            dxh = p["W"].T @ dz
            dh_next, dc_next = dxh[n:], dc * f
            if k == 0:
                grads["start"] += dxh[:n]
            else:
                t_prev, choice_prev = tape[k - 1][0], tape[k - 1][1]
                grads[f"embed{t_prev}"][choice_prev] += dxh[:n]
        return loss, grads

    def reinforce(self, actions: Sequence[tuple[int, int]], advantage: float, *,
                  entropy_weight: float, temperature: float) -> None:
        """One Adam step on REINFORCE's loss for one finished sequence."""
        if not actions:
            return
        _, grads = self.loss_and_grads(actions, advantage, entropy_weight=entropy_weight,
                                       temperature=temperature)
        norm = float(np.sqrt(sum(float((g**2).sum()) for g in grads.values())))
        if norm > GRAD_CLIP:
            grads = {k: g * (GRAD_CLIP / norm) for k, g in grads.items()}
        self._adam.step(grads)


class _Adam:
    """Adam (Kingma & Ba, 2015) updating `params` in place."""

    def __init__(self, params: dict[str, np.ndarray], learning_rate: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps = params, learning_rate, betas, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        b1, b2 = self.betas
        for k, g in grads.items():
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g**2
            m_hat = self.m[k] / (1 - b1**self.t)
            v_hat = self.v[k] / (1 - b2**self.t)
            self.params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
