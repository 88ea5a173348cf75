"""Public tests of A02 (run them with `dlgrade check a02`).

Fixed inputs; the expected values come from torch itself (nn.MSELoss, autograd), from numpy's
least squares, or are written out. The hidden tests that grade you are stricter: random inputs
(different for every student), a reference solution at 1e-9 to 1e-12, float32 data, one feature,
mini-batches, input mutation, devices (cuda, or the meta-device proxy without a GPU).
"""
import numpy as np
import pytest
import torch

from grader import data
from grader.checks import assert_close, raises_student


# ----------------------------------------------------------------------------- probes (run in your process)

def probe_shares_memory(module):
    import numpy as np
    a = np.zeros((2, 2))
    t = module.numpy_to_tensor(a)
    a[0, 0] = 5.0
    return float(t[0, 0])


def probe_device_str(module, prefer):
    return str(module.get_device(prefer))


def probe_linear(module, n, seed):
    import torch
    torch.manual_seed(seed)
    return torch.nn.Linear(n, 1).double()


def probe_mlp(module, seed):
    import torch
    torch.manual_seed(seed)
    return module.RegressionMLP(3, 16, 0.5).double()


def _Xy():
    X = torch.tensor([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.0], [2.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [0.0], [-2.0], [3.0]], dtype=torch.float64)
    return X, y


# ----------------------------------------------------------------------------- 张量

@pytest.mark.points(2)
def test_device_and_bridge(student):
    assert student.probe(probe_device_str, False) == "cpu", "get_device(prefer_cuda=False) must be the CPU"
    assert student.probe(probe_shares_memory) == 5.0, (
        "numpy_to_tensor must share memory with the array («两者共享内存位置»): use torch.from_numpy")
    t = torch.tensor([[1.0, 2.0]], dtype=torch.float64, requires_grad=True)
    got = student.tensor_to_numpy(t)
    assert_close(got, np.array([[1.0, 2.0]]), name="tensor_to_numpy(tensor with requires_grad=True)", rtol=0)


# ----------------------------------------------------------------------------- 损失函数

@pytest.mark.points(2)
def test_mse_cost(student):
    yh = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    y = torch.tensor([[1.0], [0.0], [0.0]], dtype=torch.float64)
    assert_close(student.mse_cost(yh, y), torch.tensor(13.0 / 3.0, dtype=torch.float64),
                 name="mse_cost: mean of (0, 4, 9)", rtol=1e-12)


@pytest.mark.points(2)
def test_mse_grad_analytic(student):
    X, y = _Xy()
    w = torch.tensor([[0.5, -0.25]], dtype=torch.float64)
    b = torch.tensor([0.1], dtype=torch.float64)
    dw, db = student.mse_grad_analytic(X, y, w, b)
    wt, bt = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    torch.nn.MSELoss()(X @ wt.T + bt, y).backward()
    assert_close(dw, wt.grad, name="dw (vs autograd)", rtol=1e-12)
    assert_close(db, bt.grad, name="db (vs autograd)", rtol=1e-12)


# ----------------------------------------------------------------------------- 自动求导 + 梯度下降

@pytest.mark.points(3)
def test_autograd_first_steps(student):
    X, y = _Xy()
    w, b, losses = student.linear_regression_autograd(X, y, lr=0.1, epochs=2)
    assert len(losses) == 2 and all(type(v) is float for v in losses), "losses must be 2 Python floats"
    assert_close(losses[0], float((y ** 2).mean()), name="losses[0] (w = 0, b = 0: mean(y^2))", rtol=1e-12)
    # one step by hand: w1 = -0.1 * dJ/dw at w = 0, b = 0
    dw0 = (2.0 / 4) * ((-y).T @ X)
    assert not w.requires_grad, "return w.detach()"
    assert tuple(w.shape) == (1, 2) and tuple(b.shape) == (1,), "w must be (1, n) and b (1,)"
    w1 = -0.1 * dw0
    b1 = -0.1 * (2.0 / 4) * (-y).sum(0)
    y_hat = X @ w1.T + b1
    assert_close(losses[1], float(((y_hat - y) ** 2).mean()), name="losses[1] (after one update)", rtol=1e-12)


@pytest.mark.points(3)
@pytest.mark.timeout(30)
def test_autograd_reaches_least_squares(student):
    X, y = data.linear_data_torch()
    w, b, losses = student.linear_regression_autograd(X, y, lr=0.1, epochs=200)
    expected_w = torch.tensor([[2.0069768, -2.98864219, 0.49383976]], dtype=torch.float64)
    assert_close(w, expected_w, name="w after 200 epochs (least squares)", rtol=0, atol=1e-6)
    assert_close(b, torch.tensor([0.99726289], dtype=torch.float64), name="b after 200 epochs", rtol=0, atol=1e-6)


# ----------------------------------------------------------------------------- nn.Module, optim

@pytest.mark.points(2)
def test_linear_regression_module(student):
    model = student.LinearRegression(2)
    sd = model.state_dict()
    assert sorted(sd) == ["linear.bias", "linear.weight"], f"state_dict keys {sorted(sd)}"
    assert tuple(sd["linear.weight"].shape) == (1, 2) and tuple(sd["linear.bias"].shape) == (1,)


@pytest.mark.points(3)
def test_train_model_full_batch(student):
    X, y = _Xy()
    model = student.probe(probe_linear, 2, 0)
    losses = student.train_model(model, X, y, lr=0.05, epochs=5)
    torch.manual_seed(0)
    oracle = torch.nn.Linear(2, 1).double()
    opt = torch.optim.SGD(oracle.parameters(), lr=0.05)
    expected = []
    for _ in range(5):
        opt.zero_grad()
        loss = torch.nn.MSELoss()(oracle(X), y)
        loss.backward()
        opt.step()
        expected.append(loss.item())
    assert_close(losses, expected, name="train_model losses (SGD, full batch)", rtol=1e-12)


@pytest.mark.points(1)
def test_train_model_device_mismatch(student):
    X, y = _Xy()
    model = student.probe(probe_linear, 2, 0)
    model.to("meta")
    with raises_student(ValueError):
        student.train_model(model, X, y, epochs=1)


@pytest.mark.points(2)
def test_predict_eval_mode(student):
    model = student.probe(probe_mlp, 1)
    X = torch.tensor(np.linspace(-1, 1, 12).reshape(4, 3))
    a = student.predict(model, X)
    b = student.predict(model, X)
    assert isinstance(a, np.ndarray) and a.shape == (4, 1), "predict must return a numpy array (m, 1)"
    assert np.array_equal(a, b), "predict must switch dropout off (model.eval())"
    assert model.training is False, "predict must leave the model in eval mode"


@pytest.mark.points(2)
@pytest.mark.timeout(30)
def test_fit_line_on_cpu(student):
    X_cols, y_cols = data.linear_data()
    res = student.fit_line_on_device(X_cols, y_cols, "cpu")
    assert_close(res["w"], np.array([[2.0069768, -2.98864219, 0.49383976]]), name="w", rtol=0, atol=1e-6)
    assert_close(res["b"], np.array([0.99726289]), name="b", rtol=0, atol=1e-6)
    assert res["losses"][-1] < 0.0105, "final loss should be < 0.0105"
