"""A09 (part A, numpy) -- recurrent networks (循环神经网络): RNN, LSTM, GRU, BRNN, deep RNN, a character LM.

Chapter «9 循环神经网络» of the course notes: «循环神经网络是一类以序列数据为输入，在序列的演进方向进行递归
且所有节点（循环单元）按链式连接的递归神经网络».

* 9.2 «最常用的方法就是使用独热编码进行处理» (one-hot inputs); «模型中的a<t>是记忆单元，是当前层的输出，同时
  也作为下一层的输入».
* 9.3 parameters «W_ax、W_aa、W_ya … b_a、b_y»; «同一位置共享权重系数和偏置系数，这样做的目的是让模型参数与序列
  信号长度无关»; «如果是分类问题，则一般使用交叉熵损失».
* 9.4 «普通的循环神经网络容易出现梯度消失»; 9.5 GRU: «Γu和Γr都是门控单元，取值范围为[0,1]», «•表示矩阵相乘，
  而*表示矩阵对应元素相乘»; 9.6 LSTM «解决了…梯度消失问题»; 9.7 双向循环神经网络 (BRNN), 深度循环神经网络 (Deep RNN).

Conventions (CONVENTIONS): one column per example. A sequence is x (n_x, m, T_x) with
x<t> = x[:, :, t]; hidden states a (n_a, m, T_x); outputs y_pred (n_y, m, T_x). Weights are
(n_out, n_in), biases (n_out, 1). In formulas ``@`` is the matrix product (the notes' •) and
``*`` the element-wise product. Caches have the fixed structures given in each docstring
(the tests build them with the reference and grade your backward on its own).
float64 by default, float32 preserved; inputs are never modified; randomness only from an
explicit ``rng`` (``numpy.random.Generator``); losses are Python ``float``.

Given to you (the reference solutions of earlier assignments, copied by ``dlgrade sync``):
``sigmoid`` (A05, ``provided.py``), the column-wise ``softmax`` (A06, ``deep_nn.py``) and Adam
(A07, ``regularize_optimize.py``), wrapped for the RNN's parameter names by ``adam_init`` /
``adam_step`` below.

Only numpy (and the course helpers) may be imported.
"""

import numpy as np

from deep_nn import softmax  # noqa: F401  (A06 reference: column-wise, numerically stable)
from provided import sigmoid  # noqa: F401  (A05 reference: numerically stable, keeps float32)
from regularize_optimize import initialize_adam, update_parameters_with_adam  # A07 reference

# ----------------------------------------------------------------------------------------
# Provided: Adam (A07) for the character language model's parameters
# ----------------------------------------------------------------------------------------

# A07's Adam updates {"W1", "b1", ..., "WL", "bL"}; the RNN's five arrays are paired into
# three such "layers" (Waa has no bias of its own, so it gets an empty one). Adam works
# entry by entry, so the pairing does not change any number.
_ADAM_LAYERS = (("Wax", "ba"), ("Waa", None), ("Wya", "by"))


def _as_layers(d, prefix=""):
    out = {}
    for l, (w, b) in enumerate(_ADAM_LAYERS, 1):
        out[f"{prefix}W{l}"] = d[prefix + w]
        out[f"{prefix}b{l}"] = d[prefix + b] if b else np.zeros((0, 1))
    return out


def adam_init(parameters):
    """Zero Adam moments for the RNN parameters (provided; A07's ``initialize_adam``).

    Arguments:
        parameters -- dict "Wax" (n_a, n_x), "Waa" (n_a, n_a), "Wya" (n_y, n_a), "ba" (n_a, 1), "by" (n_y, 1)

    Returns:
        (v, s) -- opaque moment dicts to pass to ``adam_step``
    """
    return initialize_adam(_as_layers(parameters))


def adam_step(parameters, grads, v, s, t, learning_rate):
    """One Adam step (provided; A07's ``update_parameters_with_adam``, beta1 0.9, beta2 0.999, eps 1e-8).

    Arguments:
        parameters -- dict "Wax", "Waa", "Wya", "ba", "by"
        grads -- dict "dWax", "dWaa", "dWya", "dba", "dby" (extra keys are ignored)
        v, s -- the moments from ``adam_init`` or the previous ``adam_step``
        t -- int >= 1, the number of this step
        learning_rate -- alpha

    Returns:
        (parameters, v, s) -- NEW dicts
    """
    new, v, s, _, _ = update_parameters_with_adam(_as_layers(parameters), _as_layers(grads, "d"), v, s, t,
                                                  learning_rate)
    out = {}
    for l, (w, b) in enumerate(_ADAM_LAYERS, 1):
        out[w] = new[f"W{l}"]
        if b:
            out[b] = new[f"b{l}"]
    return out, v, s


# ----------------------------------------------------------------------------------------
# 9.2 / 9.3 The basic RNN (循环神经网络的基本结构)
# ----------------------------------------------------------------------------------------


def rnn_cell_forward(xt, a_prev, parameters):
    """One time step of the basic RNN.

        a<t>  = tanh(Waa @ a<t-1> + Wax @ x<t> + ba)
        ŷ<t>  = softmax(Wya @ a<t> + by)                  (column-wise: each column sums to 1)

    Arguments:
        xt -- input at time t, shape (n_x, m)
        a_prev -- hidden state a<t-1>, shape (n_a, m)
        parameters -- dict "Wax" (n_a, n_x), "Waa" (n_a, n_a), "Wya" (n_y, n_a), "ba" (n_a, 1), "by" (n_y, 1)

    Returns:
        a_next -- a<t>, shape (n_a, m)
        yt_pred -- ŷ<t>, shape (n_y, m)
        cache -- (a_next, a_prev, xt, parameters)
    """
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]
    # YOUR CODE HERE
    raise NotImplementedError("rnn_cell_forward: not implemented yet (the reference needs ≈ 2 lines)")
    # define a_next and yt_pred; the check catches Waa and Wax swapped or a transposed product
    assert np.shape(a_next) == a_prev.shape, f"a_next must have a_prev's shape (n_a, m) = {a_prev.shape}, got {np.shape(a_next)}"
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def rnn_forward(x, a0, parameters):
    """The basic RNN over a whole sequence: ``rnn_cell_forward`` for t = 0, ..., T_x - 1 with the
    SAME parameters at every step (同一位置共享权重), starting from a0. float32 inputs and parameters
    give float32 outputs (stack the steps' results, or allocate with their dtype).

    Arguments:
        x -- inputs, shape (n_x, m, T_x)
        a0 -- initial hidden state, shape (n_a, m)
        parameters -- dict as in ``rnn_cell_forward``

    Returns:
        a -- hidden states, shape (n_a, m, T_x); a[:, :, t] = a<t+1> (a0 is not included)
        y_pred -- predictions, shape (n_y, m, T_x)
        caches -- (list of the T_x cell caches in time order, x)
    """
    a_list, y_list, cell_caches = [], [], []
    a_next = a0
    # YOUR CODE HERE
    raise NotImplementedError("rnn_forward: not implemented yet (the reference needs ≈ 6 lines)")


def rnn_cell_backward(da_next, cache):
    """Backward of one RNN step (the hidden state only; the output layer is handled by the loss).

        dz       = (1 - a<t>**2) * da_next          (tanh' written with the cached a<t>)
        dxt      = Wax.T @ dz
        da_prev  = Waa.T @ dz
        dWax     = dz @ xt.T
        dWaa     = dz @ a_prev.T
        dba      = sum of dz over the columns, shape (n_a, 1)

    Arguments:
        da_next -- gradient of the loss with respect to a<t>, shape (n_a, m)
        cache -- (a_next, a_prev, xt, parameters) from ``rnn_cell_forward``

    Returns:
        gradients -- dict "dxt" (n_x, m), "da_prev" (n_a, m), "dWax" (n_a, n_x), "dWaa" (n_a, n_a),
                     "dba" (n_a, 1)
    """
    a_next, a_prev, xt, parameters = cache
    # YOUR CODE HERE
    raise NotImplementedError("rnn_cell_backward: not implemented yet (the reference needs ≈ 8 lines)")


def rnn_backward(da, caches):
    """Backpropagation through time for the basic RNN.

    ``da[:, :, t]`` is the gradient that reaches a<t+1> from ABOVE (the loss at that step). Going
    backwards in time, the step t receives ``da[:, :, t] + da_prev`` (da_prev from step t+1, zero
    for the last step). The parameters are shared over time, so their gradients are SUMMED over
    all steps.

    Arguments:
        da -- upstream gradients, shape (n_a, m, T_x)
        caches -- (list of cell caches, x) from ``rnn_forward``

    Returns:
        gradients -- dict "dx" (n_x, m, T_x), "da0" (n_a, m), "dWax" (n_a, n_x), "dWaa" (n_a, n_a),
                     "dba" (n_a, 1)
    """
    cell_caches, x = caches
    parameters = cell_caches[0][3]
    # YOUR CODE HERE
    raise NotImplementedError("rnn_backward: not implemented yet (the reference needs ≈ 13 lines)")


# ----------------------------------------------------------------------------------------
# 9.6 LSTM (长短期记忆模型)
# ----------------------------------------------------------------------------------------


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One LSTM step. With concat = [a<t-1>; x<t>] (a_prev on TOP), shape (n_a + n_x, m):

        Γf  = sigmoid(Wf @ concat + bf)            forget gate (遗忘门)
        Γi  = sigmoid(Wi @ concat + bi)            update / input gate
        c̃   = tanh(Wc @ concat + bc)               candidate memory
        c<t> = Γf * c<t-1> + Γi * c̃                 the memory cell (记忆单元)
        Γo  = sigmoid(Wo @ concat + bo)            output gate
        a<t> = Γo * tanh(c<t>)
        ŷ<t> = softmax(Wy @ a<t> + by)

    Arguments:
        xt -- (n_x, m); a_prev -- (n_a, m); c_prev -- (n_a, m)
        parameters -- dict "Wf", "Wi", "Wc", "Wo" (n_a, n_a + n_x), "bf", "bi", "bc", "bo" (n_a, 1),
                      "Wy" (n_y, n_a), "by" (n_y, 1)

    Returns:
        a_next -- (n_a, m)
        c_next -- (n_a, m)
        yt_pred -- (n_y, m)
        cache -- (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters), the gates (n_a, m)
    """
    p = parameters
    # YOUR CODE HERE
    raise NotImplementedError("lstm_cell_forward: not implemented yet (the reference needs ≈ 8 lines)")
    # define a_next, c_next and yt_pred (and the gates ft, it, cct, ot kept in the cache)
    assert np.shape(c_next) == c_prev.shape, f"c_next must have c_prev's shape (n_a, m) = {c_prev.shape}, got {np.shape(c_next)}"
    assert np.shape(a_next) == a_prev.shape, f"a_next must have a_prev's shape (n_a, m) = {a_prev.shape}, got {np.shape(a_next)}"
    return a_next, c_next, yt_pred, (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)


def lstm_forward(x, a0, parameters):
    """The LSTM over a sequence, from a<0> = a0 and c<0> = 0 (zeros of a0's shape and dtype);
    float32 stays float32.

    Arguments:
        x -- (n_x, m, T_x); a0 -- (n_a, m); parameters -- dict as in ``lstm_cell_forward``

    Returns:
        a -- (n_a, m, T_x); y -- (n_y, m, T_x); c -- (n_a, m, T_x)  (step t at index t, a0/c0 excluded)
        caches -- (list of the T_x cell caches in time order, x)
    """
    # YOUR CODE HERE
    raise NotImplementedError("lstm_forward: not implemented yet (the reference needs ≈ 10 lines)")


def lstm_cell_backward(da_next, dc_next, cache):
    """Backward of one LSTM step (the hidden state and the memory cell; not the output layer).

        dc    = dc_next + da_next * Γo * (1 - tanh(c<t>)**2)     (both paths into c<t>)
        dΓo   = da_next * tanh(c<t>) * Γo * (1 - Γo)             (gradients of the PRE-activations)
        dc̃    = dc * Γi * (1 - c̃**2)
        dΓi   = dc * c̃ * Γi * (1 - Γi)
        dΓf   = dc * c<t-1> * Γf * (1 - Γf)
        dW_k  = dΓ_k @ concat.T,  db_k = sum of dΓ_k over the columns   (k = f, i, c, o; dc̃ for c)
        dconcat = Wf.T @ dΓf + Wi.T @ dΓi + Wc.T @ dc̃ + Wo.T @ dΓo  ->  [da_prev; dxt]
        dc_prev = dc * Γf

    Arguments:
        da_next -- gradient with respect to a<t>, shape (n_a, m)
        dc_next -- gradient with respect to c<t> (from step t+1), shape (n_a, m)
        cache -- (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)

    Returns:
        gradients -- dict "dxt" (n_x, m), "da_prev" (n_a, m), "dc_prev" (n_a, m),
                     "dWf", "dWi", "dWc", "dWo" (n_a, n_a + n_x), "dbf", "dbi", "dbc", "dbo" (n_a, 1)
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_prev.shape[0]
    # YOUR CODE HERE
    raise NotImplementedError("lstm_cell_backward: not implemented yet (the reference needs ≈ 17 lines)")


def lstm_backward(da, caches):
    """Backpropagation through time for the LSTM. Going backwards, step t receives
    da_next = da[:, :, t] + da_prev (from step t+1) and dc_next = dc_prev (from step t+1), both zero
    after the last step. Parameter gradients are summed over time.

    Arguments:
        da -- upstream gradients on the hidden states, shape (n_a, m, T_x)
        caches -- (list of cell caches, x) from ``lstm_forward``

    Returns:
        gradients -- dict "dx" (n_x, m, T_x), "da0" (n_a, m), "dWf", "dWi", "dWc", "dWo" (n_a, n_a + n_x),
                     "dbf", "dbi", "dbc", "dbo" (n_a, 1)
    """
    cell_caches, x = caches
    p = cell_caches[0][9]
    # YOUR CODE HERE
    raise NotImplementedError("lstm_backward: not implemented yet (the reference needs ≈ 14 lines)")


# ----------------------------------------------------------------------------------------
# 9.5 GRU (门控循环单元)
# ----------------------------------------------------------------------------------------


def gru_cell_forward(xt, c_prev, parameters):
    """One GRU step (the notes' convention, a<t> = c<t>):

        Γu  = sigmoid(Wu @ [c<t-1>; x<t>] + bu)              update gate (门控单元, in [0, 1])
        Γr  = sigmoid(Wr @ [c<t-1>; x<t>] + br)              relevance / reset gate
        c̃   = tanh(Wc @ [Γr * c<t-1>; x<t>] + bc)
        c<t> = Γu * c̃ + (1 - Γu) * c<t-1>

    «Γu=0时…"记住"得越明显»: with Γu = 0 the memory is copied unchanged, c<t> = c<t-1>.

    Arguments:
        xt -- (n_x, m); c_prev -- (n_c, m)
        parameters -- dict "Wu", "Wr", "Wc" (n_c, n_c + n_x), "bu", "br", "bc" (n_c, 1)

    Returns:
        c_next -- (n_c, m)
        cache -- (c_next, c_prev, xt, gu, gr, cct, parameters), the gates (n_c, m)
    """
    p = parameters
    # YOUR CODE HERE
    raise NotImplementedError("gru_cell_forward: not implemented yet (the reference needs ≈ 5 lines)")
    # define c_next (and the gates gu, gr and the candidate cct kept in the cache)
    assert np.shape(c_next) == c_prev.shape, f"c_next must have c_prev's shape (n_c, m) = {c_prev.shape}, got {np.shape(c_next)}"
    return c_next, (c_next, c_prev, xt, gu, gr, cct, parameters)


def gru_cell_backward(dc_next, cache):
    """Backward of one GRU step. c<t-1> reaches c<t> by three paths, and dc_prev sums all three:
    directly through (1 - Γu) * c<t-1>; through Γr * c<t-1> inside c̃; and through both gates'
    inputs [c<t-1>; x<t>].

        dc̃        = dc_next * Γu;          dzc = dc̃ * (1 - c̃**2)
        dΓu       = dc_next * (c̃ - c<t-1>);  dzu = dΓu * Γu * (1 - Γu)
        d[Γr*c; x] = Wc.T @ dzc = [dgc; dx_c]
        dΓr       = dgc * c<t-1>;          dzr = dΓr * Γr * (1 - Γr)
        dWc = dzc @ [Γr*c<t-1>; x<t>].T,  dWu = dzu @ [c<t-1>; x<t>].T,  dWr = dzr @ [c<t-1>; x<t>].T
        dbk = sum of dzk over the columns
        [dc_g; dx_g] = Wu.T @ dzu + Wr.T @ dzr
        dc_prev = dc_next * (1 - Γu) + dgc * Γr + dc_g;   dxt = dx_c + dx_g

    Arguments:
        dc_next -- gradient with respect to c<t>, shape (n_c, m)
        cache -- (c_next, c_prev, xt, gu, gr, cct, parameters) from ``gru_cell_forward``

    Returns:
        gradients -- dict "dxt" (n_x, m), "dc_prev" (n_c, m), "dWu", "dWr", "dWc" (n_c, n_c + n_x),
                     "dbu", "dbr", "dbc" (n_c, 1)
    """
    c_next, c_prev, xt, gu, gr, cct, p = cache
    n_c = c_prev.shape[0]
    # YOUR CODE HERE
    raise NotImplementedError("gru_cell_backward: not implemented yet (the reference needs ≈ 15 lines)")


# ----------------------------------------------------------------------------------------
# 9.7 多种循环神经网络模型: BRNN and deep RNN
# ----------------------------------------------------------------------------------------


def bidirectional_rnn_forward(x, a0_f, a0_b, params_f, params_b, Wy, by):
    """双向循环神经网络 (BRNN): two basic RNNs (tanh, no output layer of their own), one reading
    the sequence forwards and one backwards, and one softmax output that sees both.

        a_f<t> = tanh(Waa_f @ a_f<t-1> + Wax_f @ x<t> + ba_f)   for t = 1, ..., T   (a_f<0> = a0_f)
        a_b<t> = tanh(Waa_b @ a_b<t+1> + Wax_b @ x<t> + ba_b)   for t = T, ..., 1   (a_b<T+1> = a0_b)
        ŷ<t>   = softmax(Wy @ [a_f<t>; a_b<t>] + by)

    So ŷ<t> depends on the whole sequence, the future included.

    Arguments:
        x -- (n_x, m, T_x)
        a0_f, a0_b -- initial states, shape (n_a, m) each
        params_f, params_b -- dicts "Wax" (n_a, n_x), "Waa" (n_a, n_a), "ba" (n_a, 1)
        Wy -- (n_y, 2 n_a), the forward half first; by -- (n_y, 1)

    Returns:
        y_pred -- (n_y, m, T_x)
        a_f -- (n_a, m, T_x), a_f[:, :, t] is the forward state after reading x<0..t>
        a_b -- (n_a, m, T_x), a_b[:, :, t] is the backward state after reading x<t..T_x-1>
    """
    T = x.shape[2]
    # YOUR CODE HERE
    raise NotImplementedError("bidirectional_rnn_forward: not implemented yet (the reference needs ≈ 10 lines)")


def deep_rnn_forward(x, a0_list, params_list, Wy, by):
    """深度循环神经网络 (Deep RNN): L stacked basic RNN layers; the output reads the TOP layer.

        a^[1]<t> = tanh(Waa^[1] @ a^[1]<t-1> + Wax^[1] @ x<t> + ba^[1])
        a^[l]<t> = tanh(Waa^[l] @ a^[l]<t-1> + Wax^[l] @ a^[l-1]<t> + ba^[l])      (l = 2, ..., L)
        ŷ<t>     = softmax(Wy @ a^[L]<t> + by)

    With one layer this is ``rnn_forward`` with Wya = Wy.

    Arguments:
        x -- (n_x, m, T_x)
        a0_list -- L initial states, a0_list[l] of shape (n_a[l], m)
        params_list -- L dicts "Wax" (n_a[l], n_in[l]), "Waa" (n_a[l], n_a[l]), "ba" (n_a[l], 1), where
                       n_in[0] = n_x and n_in[l] = n_a[l-1]
        Wy -- (n_y, n_a[L-1]); by -- (n_y, 1)

    Returns:
        y_pred -- (n_y, m, T_x)
        a_list -- list of L arrays, a_list[l] of shape (n_a[l], m, T_x)

    Raises:
        ValueError -- a0_list and params_list have different lengths, or are empty
    """
    # YOUR CODE HERE
    raise NotImplementedError("deep_rnn_forward: not implemented yet (the reference needs ≈ 13 lines)")


# ----------------------------------------------------------------------------------------
# A character-level language model on the course corpus
# ----------------------------------------------------------------------------------------


def clip_gradients(gradients, max_value):
    """Element-wise clipping against exploding gradients: every entry into [-max_value, max_value].

    Arguments:
        gradients -- dict of arrays (any keys)
        max_value -- float > 0

    Returns:
        clipped -- a NEW dict with the same keys and NEW arrays (the input is not modified)
    """
    # YOUR CODE HERE
    raise NotImplementedError("clip_gradients: not implemented yet (the reference needs ≈ 1 line)")


def char_lm_loss_and_grads(x_idx, y_idx, parameters, a0, vocab_size):
    """Loss and gradients of the basic RNN as a character language model on a batch of windows.

    Inputs are one-hot (独热编码): x[:, j, t] = e_{x_idx[t, j]} (vocab_size, m, T); the RNN runs with
    ``rnn_forward`` (so n_y = vocab_size); the loss is the mean cross-entropy (交叉熵损失)

        loss = -(1 / (m T)) * sum_{t, j} log ŷ<t>[y_idx[t, j], j]

    Backward: with Y the one-hot targets,
        dZ_y<t> = (ŷ<t> - Y<t>) / (m T)                (n_y, m)
        dWya = sum_t dZ_y<t> @ a<t>.T,   dby = sum over t and columns of dZ_y<t>
        da[:, :, t] = Wya.T @ dZ_y<t>,   then ``rnn_backward(da, caches)`` for dWax, dWaa, dba, da0.

    Arguments:
        x_idx -- input character indices, shape (T, m), int
        y_idx -- target indices (the next characters), shape (T, m), int
        parameters -- dict "Wax" (n_a, V), "Waa" (n_a, n_a), "Wya" (V, n_a), "ba" (n_a, 1), "by" (V, 1)
        a0 -- initial hidden state, shape (n_a, m)
        vocab_size -- V

    Returns:
        loss -- Python float
        grads -- dict "dWax", "dWaa", "dWya", "dba", "dby" (shapes of the parameters), "da0" (n_a, m)
        a_last -- the last hidden state a<T>, shape (n_a, m)
    """
    T, m = x_idx.shape
    # YOUR CODE HERE
    raise NotImplementedError("char_lm_loss_and_grads: not implemented yet (the reference needs ≈ 14 lines)")


def train_char_lm(corpus, n_a=32, T=25, m=16, num_iterations=200, learning_rate=1e-2, clip=5.0, rng=None):
    """Train the basic RNN as a character language model with Adam and gradient clipping.

    Exactly in this order (the random draws must match the reference):
        rng = np.random.default_rng(0) if rng is None
        chars = sorted(set(corpus)); V = len(chars); idx = the corpus as indices into chars
        parameters: Wax = 0.01 * rng.standard_normal((n_a, V)), then
                    Waa = 0.01 * rng.standard_normal((n_a, n_a)), then
                    Wya = 0.01 * rng.standard_normal((V, n_a)); ba, by zeros
        (v, s) = adam_init(parameters)
        for i in range(num_iterations):
            starts = rng.integers(0, len(corpus) - T, size=m)           (one draw per iteration)
            x_idx[t, j] = idx[starts[j] + t],  y_idx[t, j] = idx[starts[j] + t + 1]     (T, m)
            loss, grads, _ = char_lm_loss_and_grads(x_idx, y_idx, parameters, zeros (n_a, m), V)
            grads = clip_gradients(grads, clip)
            parameters, v, s = adam_step(parameters, grads, v, s, i + 1, learning_rate)
            losses.append(loss)

    (the windows are those of ``grader.data.char_batches`` for the course corpus). With the
    small initial weights every character is equally likely at first: the first loss is ln V.

    Arguments:
        corpus -- the training text (str)
        n_a -- hidden size, default 32
        T -- window length, default 25
        m -- windows per batch, default 16
        num_iterations -- default 200
        learning_rate -- Adam's alpha, default 1e-2
        clip -- max_value of clip_gradients, default 5.0
        rng -- numpy.random.Generator or None

    Returns:
        parameters -- dict "Wax", "Waa", "Wya", "ba", "by"
        losses -- list of num_iterations Python floats (the loss BEFORE each update)
    """
    if rng is None:
        rng = np.random.default_rng(0)
    # YOUR CODE HERE
    raise NotImplementedError("train_char_lm: not implemented yet (the reference needs ≈ 24 lines)")


def sample(parameters, char_to_ix, ix_to_char, start_char, n_chars, rng):
    """Generate text with a trained character RNN, one character at a time.

        x = one-hot of start_char (V, 1); a = zeros (n_a, 1)
        repeat n_chars times:
            a, ŷ, _ = rnn_cell_forward(x, a, parameters)
            ix = rng.choice(V, p=ŷ.ravel())        (one draw per character)
            append ix_to_char[ix]; x = one-hot of ix

    Arguments:
        parameters -- dict "Wax", "Waa", "Wya", "ba", "by"
        char_to_ix -- dict character -> index (V entries)
        ix_to_char -- dict index -> character
        start_char -- the first input character (not part of the result)
        n_chars -- number of characters to generate, int >= 0
        rng -- numpy.random.Generator

    Returns:
        text -- str of exactly n_chars characters, each in the vocabulary
    """
    V = len(char_to_ix)
    n_a = parameters["Waa"].shape[0]
    # YOUR CODE HERE
    raise NotImplementedError("sample: not implemented yet (the reference needs ≈ 11 lines)")
