"""Public tests of A08 (run them with `dlgrade check a08`).

Small fixed inputs; the answers are written out, computed here from torch (`F.conv2d`,
`F.max_pool2d`, `F.avg_pool2d` and autograd), or from the formulas of the handout. The hidden tests
are stricter: random inputs per student in nine conv and six pool cases, a reference at 1e-9, gradient
checks through the reference forward, input mutation, float32, a speed ratio against the reference,
both networks trained end to end on the digits, and the device tests.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from grader import data
from grader.checks import assert_close


# ----------------------------------------------------------------------------- probes (run in your process)

def probe_unfold(module, x, w, b, stride, padding):
    x, w, b = x.clone().requires_grad_(True), w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    out = module.conv2d_unfold(x, w, b, stride=stride, padding=padding)
    out.sum().backward()
    return {"out": out.detach(), "dx": x.grad, "dw": w.grad, "db": b.grad}


def probe_count(module, cls, args):
    import torch
    model = getattr(module, cls)(*args)
    x = torch.zeros(2, *((1, 32, 32) if cls == "LeNet5" else (3, 64, 64)))
    with torch.no_grad():
        out = model(x)
    return {"n": sum(p.numel() for p in model.parameters()), "out": tuple(out.shape),
            "convs": sum(isinstance(mod, torch.nn.Conv2d) for mod in model.modules()),
            "linears": sum(isinstance(mod, torch.nn.Linear) for mod in model.modules())}


def probe_train_tiny(module, X, y):
    """A tiny plain CNN trained by YOUR train_classifier for 3 epochs, then scored by YOUR evaluate."""
    import torch
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64, 10))
    losses = module.train_classifier(model, X, y, epochs=3, batch_size=32, lr=1e-2, device="cpu",
                                     generator=torch.Generator().manual_seed(0))
    return {"losses": losses, "acc": module.evaluate(model, X, y, "cpu")}


def probe_meta(module):
    import torch
    y = module.conv2d_unfold(torch.empty(2, 3, 8, 8, device="meta"), torch.empty(4, 3, 3, 3, device="meta"), None)
    z = module.LeNet5().to("meta")(torch.empty(2, 1, 32, 32, device="meta"))
    return str(y.device), tuple(y.shape), str(z.device)


def probe_fit(module, X, y):
    import numpy as np
    net = module.SimpleConvNet(rng=np.random.default_rng(0))
    costs = net.fit(X, y, epochs=2, batch_size=32, learning_rate=1e-2, rng=np.random.default_rng(1))
    return {"costs": costs, "pred": net.predict(X)}


def _torch_conv(A, W, b, s, p, dZ):
    At, Wt, bt = (torch.tensor(x, requires_grad=True) for x in (A, W, b))
    Z = F.conv2d(At, Wt, bt, stride=s, padding=p)
    (Z * torch.from_numpy(dZ)).sum().backward()
    return Z.detach().numpy(), At.grad.numpy(), Wt.grad.numpy(), bt.grad.numpy()


# ----------------------------------------------------------------------------- part A (numpy)

def test_zero_pad(student):
    X = np.arange(8.0).reshape(1, 2, 2, 2)
    out = student.zero_pad(X, 1)
    assert_close(out, np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1))), name="zero_pad(X (1,2,2,2), 1)", rtol=0)


def test_conv_output_shape_and_param_count(student):
    assert student.conv_output_shape(32, 32, 5, 0, 1) == (28, 28), "«32-5+1=28»"
    assert student.conv_output_shape(7, 6, 3, 1, 2) == (4, 3), "floor((7+2-3)/2)+1 = 4, floor((6+2-3)/2)+1 = 3"
    assert student.conv_param_count(5, 3, 6) == 456, "«(5×5×3+1)×6=456»"


def test_conv_single_step(student):
    a = np.ones((2, 3, 3))
    W = np.full((2, 3, 3), 0.5)
    assert_close(student.conv_single_step(a, W, -1.0), 8.0, name="conv_single_step: 18 * 0.5 - 1")


def test_conv_forward_edge_detection(student):
    img = data.step_edge_image()
    W = np.array([[1.0, 0.0, -1.0]] * 3).reshape(1, 1, 3, 3)
    Z, cache = student.conv_forward(img, W, np.zeros(1), {"stride": 1, "pad": 0})
    assert_close(Z, np.tile([0.0, 30.0, 30.0, 0.0], (1, 1, 4, 1)), name="vertical edge detector on the step edge")


@pytest.mark.parametrize("s,p", [(1, 1), (2, 1)])
def test_conv_forward_backward_vs_torch(student, s, p):
    rng = np.random.default_rng(0)
    A, W, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    hp = {"stride": s, "pad": p}
    Z, cache = student.conv_forward(A, W, b, hp)
    dZ = rng.standard_normal(Z.shape)
    Z_t, dA_t, dW_t, db_t = _torch_conv(A, W, b, s, p, dZ)
    assert_close(Z, Z_t, name=f"Z (stride {s}, pad {p}) vs F.conv2d", rtol=1e-9, atol=1e-11)
    dA, dW, db = student.conv_backward(dZ, cache)
    assert_close((dA, dW, db), (dA_t, dW_t, db_t), name="(dA_prev, dW, db) vs torch autograd", rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("mode,f,s", [("max", 2, 2), ("average", 3, 1)])
def test_pool_forward_backward_vs_torch(student, mode, f, s):
    rng = np.random.default_rng(1)
    A = rng.permutation(2 * 2 * 6 * 6).reshape(2, 2, 6, 6) * 0.01
    hp = {"f": f, "stride": s, "mode": mode}
    out, cache = student.pool_forward(A, hp)
    At = torch.tensor(A, requires_grad=True)
    P = (F.max_pool2d if mode == "max" else F.avg_pool2d)(At, f, s)
    assert_close(out, P.detach().numpy(), name=f"{mode} pool f={f} s={s}", rtol=1e-12)
    dA = rng.standard_normal(out.shape)
    (P * torch.from_numpy(dA)).sum().backward()
    assert_close(student.pool_backward(dA, cache), At.grad.numpy(), name=f"{mode} pool backward", rtol=1e-12)


def test_max_pool_tie_goes_to_first(student):
    A = np.array([[[[1.0, 1.0], [0.0, 1.0]]]])
    _, cache = student.pool_forward(A, {"f": 2, "stride": 2, "mode": "max"})
    assert_close(student.pool_backward(np.ones((1, 1, 1, 1)), cache), np.array([[[[1.0, 0, 0, 0]]]]).reshape(1, 1, 2, 2),
                 name="tie routed to the first maximum")


def test_flatten(student):
    A = np.arange(24.0).reshape(2, 3, 2, 2)
    A_flat, shape = student.flatten_forward(A)
    assert_close(A_flat, A.reshape(2, -1).T, name="flatten_forward")
    assert_close(student.flatten_backward(A_flat, shape), A, name="flatten_backward(flatten_forward(A))")


def test_simple_convnet_learns(student):
    imgs, labels = data.digits_images()
    X, y = imgs[:300], labels[:300]
    res = student.probe(probe_fit, X, y)
    assert len(res["costs"]) == 2 and res["costs"][1] < res["costs"][0], f"epoch costs {res['costs']} should fall"
    assert np.mean(res["pred"] == y) > 0.7, "after 2 epochs the training accuracy should pass 0.7"


# ----------------------------------------------------------------------------- part B (torch)

@pytest.mark.module("cnn_torch")
def test_conv2d_unfold_vs_conv2d(student):
    g = torch.Generator().manual_seed(0)
    x, w, b = (torch.randn(*s, generator=g, dtype=torch.float64) for s in ((2, 3, 7, 6), (4, 3, 3, 3), (4,)))
    res = student.probe(probe_unfold, x, w, b, 2, 1)
    xr, wr, br = x.clone().requires_grad_(True), w.clone().requires_grad_(True), b.clone().requires_grad_(True)
    out = F.conv2d(xr, wr, br, stride=2, padding=1)
    out.sum().backward()
    assert_close(res["out"], out.detach(), name="conv2d_unfold vs F.conv2d", rtol=1e-9, atol=1e-11)
    assert_close((res["dx"], res["dw"], res["db"]), (xr.grad, wr.grad, br.grad), name="gradients", rtol=1e-9,
                 atol=1e-11)


@pytest.mark.module("cnn_torch")
def test_lenet5_and_alexnet(student):
    lenet = student.probe(probe_count, "LeNet5", ())
    assert lenet["n"] == 61706 and lenet["out"] == (2, 10), f"LeNet5(): {lenet}"
    alex = student.probe(probe_count, "AlexNetMini", ())
    assert alex["convs"] == 5 and alex["linears"] == 3 and alex["out"] == (2, 10), f"AlexNetMini(): {alex}"


@pytest.mark.module("cnn_torch")
@pytest.mark.timeout(30)
def test_train_classifier_and_evaluate(student):
    imgs, labels = data.digits_images()
    X, y = torch.from_numpy(imgs[:256]).float(), torch.from_numpy(labels[:256])
    res = student.probe(probe_train_tiny, X, y)
    assert len(res["losses"]) == 3 * 8, f"one loss per mini-batch: expected 24, got {len(res['losses'])}"
    assert isinstance(res["acc"], float) and res["acc"] > 0.5, f"training accuracy {res['acc']}"


@pytest.mark.module("cnn_torch")
def test_meta_device(student):
    dev, shape, lenet_dev = student.probe(probe_meta)
    assert (dev, shape, lenet_dev) == ("meta", (2, 4, 6, 6), "meta"), "create no tensor on a fixed device"
