"""[example, hostile] a helper module named like a reference solution. A grader that imported
"the reference" by module name from a path the submission controls would load this instead."""
import numpy as np

_GARBAGE = np.zeros((1, 1))


def step(z):
    return _GARBAGE


def perceptron_predict(W, b, X):
    return _GARBAGE


def logic_gate_params(name):
    return _GARBAGE


def xor_network():
    return _GARBAGE


def two_layer_perceptron_predict(params, X):
    return _GARBAGE


def perceptron_train(X, Y, lr=1.0, epochs=20):
    return _GARBAGE


def sigmoid(z):
    return _GARBAGE


def logistic_forward(W, b, X):
    return _GARBAGE


def bce_cost(A, Y):
    return _GARBAGE


def bce_cost_from_logits(Z, Y):
    return _GARBAGE


def logistic_backward(X, A, Y):
    return _GARBAGE


def propagate(W, b, X, Y):
    return _GARBAGE


def optimize(W, b, X, Y, num_iterations, learning_rate):
    return _GARBAGE


def predict(W, b, X, threshold=0.5):
    return _GARBAGE
