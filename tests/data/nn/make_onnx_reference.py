"""Golden outputs of the nn layers from ONNX Runtime (fp32, CPU, 1 thread).

Regenerate with:  python3 make_onnx_reference.py   (onnx 1.23.2, onnxruntime 1.32.0,
numpy 2.4.6, safetensors 0.8.0). Writes onnx_reference.safetensors next to this script:
random weights and inputs (numpy default_rng(20260)), and ORT's outputs for
* Gemm + activation (Dense),
* GRU with linear_before_reset = 0 (Keras / RNNoise form) and = 1 (PyTorch form),
* LSTM,
* Conv with left padding (k-1)*dilation, stride 2, dilation 2 (a causal streaming conv).
Tensors are stored in ONNX's own layouts and gate orders; the Rust test reorders them.
"""
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper
from safetensors.numpy import save_file

rng = np.random.default_rng(20260)
out = {}


def run(nodes, inputs, outputs, feeds):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    return sess.run(outputs, feeds)


def f32(a):
    return np.ascontiguousarray(a, dtype=np.float32)


# Dense: y = act(x W^T + b), 5 vectors, 37 -> 21.
I, O, N = 37, 21, 5
x = f32(rng.standard_normal((N, I)))
w = f32(rng.standard_normal((O, I)) * 0.3)
b = f32(rng.standard_normal(O) * 0.1)
for act in ["Tanh", "Sigmoid", "Relu"]:
    (y,) = run(
        [helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1), helper.make_node(act, ["z"], ["y"])],
        [("x", [N, I]), ("w", [O, I]), ("b", [O])],
        ["y"],
        {"x": x, "w": w, "b": b},
    )
    out[f"dense.{act.lower()}.y"] = f32(y)
out.update({"dense.x": x, "dense.w": w, "dense.b": b})

# GRU: T steps, input 24, hidden 19 (both forms), with both biases.
T, I, H = 30, 24, 19
x = f32(rng.standard_normal((T, 1, I)))
W = f32(rng.standard_normal((1, 3 * H, I)) * 0.3)
R = f32(rng.standard_normal((1, 3 * H, H)) * 0.3)
B = f32(rng.standard_normal((1, 6 * H)) * 0.2)
for lbr in [0, 1]:
    (y,) = run(
        [helper.make_node("GRU", ["x", "W", "R", "B"], ["y"], hidden_size=H, linear_before_reset=lbr)],
        [("x", [T, 1, I]), ("W", [1, 3 * H, I]), ("R", [1, 3 * H, H]), ("B", [1, 6 * H])],
        ["y"],
        {"x": x, "W": W, "R": R, "B": B},
    )
    out[f"gru.lbr{lbr}.y"] = f32(y.reshape(T, H))
out.update({"gru.x": x.reshape(T, I), "gru.W": W[0], "gru.R": R[0], "gru.B": B[0]})

# LSTM: T steps, input 24, hidden 19, gate order i, o, f, c (ONNX).
W = f32(rng.standard_normal((1, 4 * H, I)) * 0.3)
R = f32(rng.standard_normal((1, 4 * H, H)) * 0.3)
B = f32(rng.standard_normal((1, 8 * H)) * 0.2)
y, c = run(
    [helper.make_node("LSTM", ["x", "W", "R", "B"], ["y", "", "c"], hidden_size=H)],
    [("x", [T, 1, I]), ("W", [1, 4 * H, I]), ("R", [1, 4 * H, H]), ("B", [1, 8 * H])],
    ["y", "c"],
    {"x": x, "W": W, "R": R, "B": B},
)
out.update({"lstm.W": W[0], "lstm.R": R[0], "lstm.B": B[0], "lstm.y": f32(y.reshape(T, H)),
            "lstm.c_last": f32(c.reshape(H))})

# Causal Conv1d: in 6, out 5, kernel 3, stride 2, dilation 2, over 41 frames.
CI, CO, K, S, D, TF = 6, 5, 3, 2, 2, 41
x = f32(rng.standard_normal((1, CI, TF)))
w = f32(rng.standard_normal((CO, CI, K)) * 0.4)
b = f32(rng.standard_normal(CO) * 0.1)
(y,) = run(
    [helper.make_node("Conv", ["x", "w", "b"], ["y"], strides=[S], dilations=[D], pads=[(K - 1) * D, 0])],
    [("x", [1, CI, TF]), ("w", [CO, CI, K]), ("b", [CO])],
    ["y"],
    {"x": x, "w": w, "b": b},
)
out.update({"conv.x": f32(x[0].T), "conv.w": w, "conv.b": b, "conv.y": f32(y[0].T)})

save_file(out, "onnx_reference.safetensors", metadata={"generator": "make_onnx_reference.py"})
print({k: v.shape for k, v in out.items()})
