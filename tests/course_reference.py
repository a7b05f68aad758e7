"""The course's step-by-step functions, written out as the course writes them (the reference
that :mod:`nndl.functional` is checked against in ``test_functional_course.py``).

Only the course's definitions are here, nothing of nndl: ``sigmoid`` is ``1 / (1 + e^-z)``,
``relu_backward`` zeroes ``dA`` where ``Z <= 0``, ``L_model_backward`` starts from
``dAL = -(Y / AL - (1 - Y) / (1 - AL))``, ``update_parameters`` works on a deep copy.
``sigmoid`` can be swapped (``sig=``) to show that nothing but the sigmoid's formula differs.
"""

from __future__ import annotations

import copy

import numpy as np


def sigmoid(Z):
    with np.errstate(over="ignore"):  # e^-z overflows for z < -709: the course's gives 0
        return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[Z <= 0] = 0
    return dZ


def sigmoid_backward(dA, cache, sig=None):
    Z = cache
    s = (sig or sigmoid)(Z)[0]
    return dA * s * (1 - s)


def initialize_parameters_deep(layer_dims, seed, deep_recipe):
    """``np.random.seed(seed)`` then randn per layer, ``/ np.sqrt(n[l-1])`` (the app's deep
    recipe) or ``* 0.01`` (the step-by-step notebook's)."""
    rs = np.random.RandomState(seed)  # the stream of np.random.seed(seed); np.random.randn
    parameters = {}
    for l in range(1, len(layer_dims)):
        W = rs.randn(layer_dims[l], layer_dims[l - 1])
        parameters["W" + str(l)] = W / np.sqrt(layer_dims[l - 1]) if deep_recipe else W * 0.01
        parameters["b" + str(l)] = np.zeros((layer_dims[l], 1))
    return parameters


def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    return Z, (A, W, b)


def linear_activation_forward(A_prev, W, b, activation, sig=None):
    Z, linear_cache = linear_forward(A_prev, W, b)
    if activation == "sigmoid":
        A, activation_cache = (sig or sigmoid)(Z)
    elif activation == "relu":
        A, activation_cache = relu(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X, parameters, sig=None):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters["W" + str(l)],
                                             parameters["b" + str(l)], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)],
                                          "sigmoid", sig)
    caches.append(cache)
    return AL, caches


def compute_cost(AL, Y):
    m = Y.shape[1]
    cost = (1.0 / m) * (-np.dot(Y, np.log(AL).T) - np.dot(1 - Y, np.log(1 - AL).T))
    return np.squeeze(cost)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = 1.0 / m * np.dot(dZ, A_prev.T)
    db = 1.0 / m * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation, sig=None):
    linear_cache, activation_cache = cache
    if activation == "relu":
        dZ = relu_backward(dA, activation_cache)
    elif activation == "sigmoid":
        dZ = sigmoid_backward(dA, activation_cache, sig)
    return linear_backward(dZ, linear_cache)


def L_model_backward(AL, Y, caches, sig=None):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    current_cache = caches[L - 1]
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = \
        linear_activation_backward(dAL, current_cache, "sigmoid", sig)
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)] = dA_prev
        grads["dW" + str(l + 1)] = dW
        grads["db" + str(l + 1)] = db
    return grads


def update_parameters(params, grads, learning_rate):
    parameters = copy.deepcopy(params)
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = parameters["W" + str(l + 1)] - \
            learning_rate * grads["dW" + str(l + 1)]
        parameters["b" + str(l + 1)] = parameters["b" + str(l + 1)] - \
            learning_rate * grads["db" + str(l + 1)]
    return parameters


def predict(X, parameters):
    """The course's ``p`` (its predict(X, y, parameters) also prints the accuracy)."""
    m = X.shape[1]
    p = np.zeros((1, m))
    probas, _ = L_model_forward(X, parameters)
    for i in range(probas.shape[1]):
        p[0, i] = 1 if probas[0, i] > 0.5 else 0
    return p
