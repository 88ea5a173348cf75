"""A05 -- a two-layer neural network (两层神经网络), written with numpy only.

Chapter «5 神经网络» of the course notes: «神经网络是多层感知机MLP与逻辑回归结合和优化的模型».
The network has one hidden layer (隐藏层) and one sigmoid output unit (输出层);
«之所以称之为两层神经网络，是因为一般不把输入层考虑在内».

Conventions (CONVENTIONS):

* one column per example: X (n_x, m), Y (1, m) with entries in {0, 1};
* W1 (n_h, n_x), b1 (n_h, 1), W2 (n_y, n_h), b2 (n_y, 1);
* Z[l] = W[l] A[l-1] + b[l] is the linear part (线性单元), A[l] = g(Z[l]) the non-linear part
  (非线性单元), with A[0] = X;
* float64 by default; a float32 input gives float32 outputs; inputs are never modified;
* randomness only from an explicit ``rng`` (``numpy.random.Generator``);
* costs are Python ``float``; predictions are int64 arrays of shape (1, m);
* an unknown activation name raises ``ValueError``.

Only numpy (and the course helpers) may be imported.
"""

import numpy as np


def _as_float_array(z):
    """Return ``z`` as a floating ndarray: float32/float64 are kept, anything else becomes float64."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z


# ----------------------------------------------------------------------------------------
# Part 1 — sizes (handout Part 1; notes 5.1)
# ----------------------------------------------------------------------------------------

def layer_sizes(X, Y, n_h):
    """Sizes of the three layers (输入层, 隐藏层, 输出层).

    Arguments:
        X -- input data, shape (n_x, m)
        Y -- labels, shape (n_y, m)
        n_h -- number of hidden units (int)

    Returns:
        (n_x, n_h, n_y) -- a tuple of three Python ints
    """
    # YOUR CODE HERE
    raise NotImplementedError("layer_sizes: not implemented yet (the reference needs ≈ 3 lines)")


# ----------------------------------------------------------------------------------------
# Part 1 — initialisation (参数初始化; notes 5.6)
# ----------------------------------------------------------------------------------------

def initialize_parameters(n_x, n_h, n_y, rng, scale=0.01):
    """Random initialisation: small random W, zero b («W不能初始化为0，b可以»).

    Draw order (exactly this, so that results match bit for bit):
        W1 = rng.standard_normal((n_h, n_x)) * scale
        W2 = rng.standard_normal((n_y, n_h)) * scale
    The biases are ``np.zeros`` and draw nothing.

    Arguments:
        n_x, n_h, n_y -- layer sizes (ints)
        rng -- numpy.random.Generator, the only source of randomness
        scale -- standard deviation of the weights (float, default 0.01)

    Returns:
        parameters -- dict with
            "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (n_y, n_h), "b2" (n_y, 1), all float64
    """
    # YOUR CODE HERE
    raise NotImplementedError("initialize_parameters: not implemented yet (the reference needs ≈ 8 lines)")


def initialize_parameters_constant(n_x, n_h, n_y, value):
    """Constant initialisation, for the symmetry demonstration (对称性).

    Every entry of W1 and W2 equals ``value``; b1 and b2 are zeros.  With such a start
    «隐藏层3个神经元完全对称，效果相同» -- every hidden unit computes the same function
    and receives the same gradient, so they stay identical for ever.

    Arguments:
        n_x, n_h, n_y -- layer sizes (ints)
        value -- the constant (float)

    Returns:
        parameters -- dict with
            "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (n_y, n_h), "b2" (n_y, 1), all float64
    """
    # YOUR CODE HERE
    raise NotImplementedError("initialize_parameters_constant: not implemented yet (the reference needs ≈ 6 lines)")


# ----------------------------------------------------------------------------------------
# Part 2 — activation functions (激活函数) and their derivatives with respect to z (notes 5.3)
# Every function takes an array z of any shape and returns an array of the same shape
# and the same float dtype.
# ----------------------------------------------------------------------------------------

def relu(z):
    """ReLU (修正线性单元): a = max(0, z).

    Arguments:
        z -- array of any shape

    Returns:
        a -- array, same shape and float dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("relu: not implemented yet (the reference needs ≈ 1 line)")


def relu_derivative(z):
    """Derivative of ReLU with respect to z: 1 where z > 0, else 0 (so relu'(0) = 0).

    «z>0时梯度恒为1».

    Arguments:
        z -- array of any shape

    Returns:
        g' -- float array, same shape and dtype as z, entries in {0.0, 1.0}
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("relu_derivative: not implemented yet (the reference needs ≈ 1 line)")


def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: a = z where z > 0, else alpha * z.

    Arguments:
        z -- array of any shape
        alpha -- slope for z <= 0 (float, default 0.01)

    Returns:
        a -- array, same shape and float dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("leaky_relu: not implemented yet (the reference needs ≈ 1 line)")


def leaky_relu_derivative(z, alpha=0.01):
    """Derivative of leaky ReLU: 1 where z > 0, else alpha (so leaky'(0) = alpha).

    «始终保持梯度不为0».

    Arguments:
        z -- array of any shape
        alpha -- slope for z <= 0 (float, default 0.01)

    Returns:
        g' -- float array, same shape and dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("leaky_relu_derivative: not implemented yet (the reference needs ≈ 1 line)")


def sigmoid(z):
    """Numerically stable sigmoid: 1/(1+e^{-z}) for z >= 0 and e^{z}/(1+e^{z}) for z < 0.

    Never overflows (sigmoid(±1000) is exactly 1 / 0 without a warning).

    Arguments:
        z -- array of any shape

    Returns:
        a -- array in [0, 1], same shape and float dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("sigmoid: not implemented yet (the reference needs ≈ 2 lines)")


def sigmoid_derivative(z):
    """Derivative of the sigmoid with respect to z: s(z) * (1 - s(z)).

    «当激活值|z|很大的时候，激活函数的斜率（梯度）很小».

    Arguments:
        z -- array of any shape

    Returns:
        g' -- array in [0, 0.25], same shape and float dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("sigmoid_derivative: not implemented yet (the reference needs ≈ 2 lines)")


def tanh_derivative(z):
    """Derivative of tanh with respect to z: 1 - tanh(z)^2.  (tanh itself is ``np.tanh``.)

    Arguments:
        z -- array of any shape

    Returns:
        g' -- array in [0, 1], same shape and float dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("tanh_derivative: not implemented yet (the reference needs ≈ 1 line)")


def linear(z):
    """Identity activation: a = z (returned as a new array, never the input object).

    Arguments:
        z -- array of any shape

    Returns:
        a -- array equal to z, same shape and float dtype
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("linear: not implemented yet (the reference needs ≈ 1 line)")


def linear_derivative(z):
    """Derivative of the identity: all ones.

    Arguments:
        z -- array of any shape

    Returns:
        g' -- array of ones, same shape and float dtype as z
    """
    z = _as_float_array(z)
    # YOUR CODE HERE
    raise NotImplementedError("linear_derivative: not implemented yet (the reference needs ≈ 1 line)")


HIDDEN_ACTIVATIONS = ("tanh", "sigmoid", "relu", "leaky_relu", "linear")


def get_activation(name):
    """Look up a hidden activation by name (provided helper, not graded).

    Arguments:
        name -- one of HIDDEN_ACTIVATIONS: "tanh", "sigmoid", "relu", "leaky_relu", "linear"

    Returns:
        (g, g_prime) -- the activation and its derivative with respect to z
                        (leaky_relu uses the default alpha = 0.01)

    Raises:
        ValueError -- for an unknown name
    """
    table = {
        "tanh": (np.tanh, tanh_derivative),
        "sigmoid": (sigmoid, sigmoid_derivative),
        "relu": (relu, relu_derivative),
        "leaky_relu": (leaky_relu, leaky_relu_derivative),
        "linear": (linear, linear_derivative),
    }
    if name not in table:
        raise ValueError(
            f"unknown activation {name!r}; expected one of {', '.join(HIDDEN_ACTIVATIONS)}"
        )
    return table[name]


# ----------------------------------------------------------------------------------------
# Part 3 — forward propagation (前向传播; notes 5.2)
# ----------------------------------------------------------------------------------------

def forward_propagation(X, parameters, hidden_activation="tanh"):
    """Forward pass of the two-layer network.

        Z1 = W1 X + b1          (n_h, m)
        A1 = g(Z1)              (n_h, m)    g = hidden_activation
        Z2 = W2 A1 + b2         (n_y, m)
        A2 = sigmoid(Z2)        (n_y, m)

    Arguments:
        X -- input data, shape (n_x, m)
        parameters -- dict with "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (n_y, n_h), "b2" (n_y, 1)
        hidden_activation -- "tanh" (default), "sigmoid", "relu", "leaky_relu" or "linear"

    Returns:
        A2 -- output probabilities, shape (n_y, m)
        cache -- dict {"Z1": (n_h, m), "A1": (n_h, m), "Z2": (n_y, m), "A2": (n_y, m)}

    Raises:
        ValueError -- for an unknown hidden_activation
    """
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    # YOUR CODE HERE
    raise NotImplementedError("forward_propagation: not implemented yet (the reference needs ≈ 6 lines)")
    # define A2 and cache; the check catches a transposed product or a bias broadcast the wrong way
    assert np.shape(A2) == (W2.shape[0], X.shape[1]), f"A2 must have shape (n_y, m) = {(W2.shape[0], X.shape[1])}, got {np.shape(A2)}"
    return A2, cache


def compute_cost(A2, Y):
    """Binary cross-entropy cost (交叉熵代价), the mean of the losses over the m examples.

        J = -(1/m) * sum( Y * log(A2) + (1 - Y) * log(1 - A2) )

    Arguments:
        A2 -- output probabilities, shape (1, m), entries in (0, 1)
        Y -- labels, shape (1, m), entries in {0, 1}

    Returns:
        cost -- Python float
    """
    m = Y.shape[1]
    # YOUR CODE HERE
    raise NotImplementedError("compute_cost: not implemented yet (the reference needs ≈ 2 lines)")


# ----------------------------------------------------------------------------------------
# Part 4 — backward propagation (反向传播; notes 5.4)
# ----------------------------------------------------------------------------------------

def backward_propagation(parameters, cache, X, Y, hidden_activation="tanh"):
    """Gradients of the cross-entropy cost with respect to W1, b1, W2, b2.

        dZ2 = A2 - Y                          (n_y, m)
        dW2 = (1/m) dZ2 A1^T                  (n_y, n_h)
        db2 = (1/m) sum over columns of dZ2   (n_y, 1)
        dZ1 = (W2^T dZ2) * g'(Z1)             (n_h, m)   '*' is element-wise (点乘)
        dW1 = (1/m) dZ1 X^T                   (n_h, n_x)
        db1 = (1/m) sum over columns of dZ1   (n_h, 1)

    g' is evaluated at Z1 (the linear output), not at A1.

    Arguments:
        parameters -- dict with "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (n_y, n_h), "b2" (n_y, 1)
        cache -- dict from forward_propagation: "Z1", "A1" (n_h, m), "Z2", "A2" (n_y, m)
        X -- input data, shape (n_x, m)
        Y -- labels, shape (n_y, m)
        hidden_activation -- the activation used in the forward pass (default "tanh")

    Returns:
        grads -- dict {"dW1": (n_h, n_x), "db1": (n_h, 1), "dW2": (n_y, n_h), "db2": (n_y, 1)}

    Raises:
        ValueError -- for an unknown hidden_activation
    """
    m = X.shape[1]
    W2 = parameters["W2"]
    A1, A2, Z1 = cache["A1"], cache["A2"], cache["Z1"]
    # YOUR CODE HERE
    raise NotImplementedError("backward_propagation: not implemented yet (the reference needs ≈ 7 lines)")
    # define dW1, db1, dW2, db2: each gradient has the shape of its parameter
    for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
        assert np.shape(grad) == parameters[name].shape, f"d{name} must have {name}'s shape {parameters[name].shape}, got {np.shape(grad)}"
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


# ----------------------------------------------------------------------------------------
# Part 5 — parameter update and training (更新参数, 梯度下降; notes 5.5)
# ----------------------------------------------------------------------------------------

def update_parameters(parameters, grads, learning_rate):
    """One step of gradient descent (梯度下降): theta <- theta - learning_rate * d_theta.

    Arguments:
        parameters -- dict "W1", "b1", "W2", "b2" (shapes as above)
        grads -- dict "dW1", "db1", "dW2", "db2" (same shapes as the parameters)
        learning_rate -- float

    Returns:
        new_parameters -- a NEW dict with the same keys and shapes; the inputs are not modified
    """
    # YOUR CODE HERE
    raise NotImplementedError("update_parameters: not implemented yet (the reference needs ≈ 5 lines)")


def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, hidden_activation="tanh",
             rng=None, init="random"):
    """Train the two-layer network with full-batch gradient descent.

    «经过前向传播、反向传播、更新参数之后，神经网络的一次训练就完成了».

    Initialisation:
        init == "random" -- initialize_parameters(n_x, n_h, n_y, rng) (scale 0.01);
                            rng=None means np.random.default_rng(0)
        init == "zeros"  -- initialize_parameters_constant(n_x, n_h, n_y, 0.0)
        init a number v  -- initialize_parameters_constant(n_x, n_h, n_y, v)
        anything else    -- ValueError

    Each of the num_iterations iterations: forward_propagation, backward_propagation,
    update_parameters.  The cost of the forward pass of iteration i (i.e. before that
    iteration's update) is recorded when i % 1000 == 0, so costs has
    ceil(num_iterations / 1000) entries, starting with the cost at i = 0.

    Arguments:
        X -- input data, shape (n_x, m)
        Y -- labels, shape (1, m)
        n_h -- number of hidden units
        num_iterations -- number of gradient-descent steps (default 10000)
        learning_rate -- step size (default 1.2)
        hidden_activation -- default "tanh"
        rng -- numpy.random.Generator or None
        init -- "random" (default), "zeros" or a number

    Returns:
        parameters -- dict "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (1, n_h), "b2" (1, 1)
        costs -- list of Python floats
    """
    # YOUR CODE HERE
    raise NotImplementedError("nn_model: not implemented yet (the reference needs ≈ 22 lines)")


def predict(parameters, X, hidden_activation="tanh"):
    """Class predictions: 1 where A2 > 0.5, else 0.

    Arguments:
        parameters -- dict "W1", "b1", "W2", "b2"
        X -- input data, shape (n_x, m)
        hidden_activation -- default "tanh"

    Returns:
        predictions -- int64 array of shape (1, m), entries in {0, 1}
    """
    # YOUR CODE HERE
    raise NotImplementedError("predict: not implemented yet (the reference needs ≈ 2 lines)")


def collapse_linear_network(parameters):
    """The single neuron that a network with an identity hidden activation is equivalent to.

    «如果所有隐藏层都使用线性激活函数…相当于只使用一个神经元»:
        Z2 = W2 (W1 X + b1) + b2 = (W2 W1) X + (W2 b1 + b2)

    Arguments:
        parameters -- dict "W1" (n_h, n_x), "b1" (n_h, 1), "W2" (n_y, n_h), "b2" (n_y, 1)

    Returns:
        W_eff -- W2 W1, shape (n_y, n_x)
        b_eff -- W2 b1 + b2, shape (n_y, 1)
    """
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    # YOUR CODE HERE
    raise NotImplementedError("collapse_linear_network: not implemented yet (the reference needs ≈ 3 lines)")
