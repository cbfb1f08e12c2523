# SPDX-License-Identifier: MIT
"""PyTorch side of the safetensors interop test (run by /usr/bin/python3 with Debian's python3-torch).

  torch_interop.py predict ARCH.json WEIGHTS.safetensors INPUTS.json
      Builds the nn.Sequential that ARCH.json describes, loads the safetensors into its
      state_dict (strict: every tensor name and shape must match), and prints its predictions
      for INPUTS.json (a list of rows, normalised first if ARCH.json has a normalisation) as JSON.

  torch_interop.py export ARCH.json OUT.safetensors INPUTS.json
      Builds the same nn.Sequential with PyTorch's own initialisation (seed 0), writes its
      state_dict as safetensors, and prints its predictions as JSON.

safetensors is read and written by hand (8-byte little-endian header length, JSON header, raw
data) so the test needs nothing beyond torch.
"""
import json
import struct
import sys

import torch
from torch import nn


def build(arch):
    modules = []
    for m in arch["modules"]:
        kind = m["type"]
        if kind == "Linear":
            modules.append(nn.Linear(m["in_features"], m["out_features"]))
        elif kind == "LeakyReLU":
            modules.append(nn.LeakyReLU(m["negative_slope"]))
        elif kind == "ELU":
            modules.append(nn.ELU(m["alpha"]))
        elif kind == "Softmax":
            modules.append(nn.Softmax(dim=m["dim"]))
        elif kind == "Dropout":
            modules.append(nn.Dropout(m["p"]))
        else:
            modules.append(getattr(nn, kind)())
    return nn.Sequential(*modules)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        begin, end = entry["data_offsets"]
        tensors[name] = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32).reshape(entry["shape"])
    return tensors


def write_safetensors(path, tensors):
    header, offset, chunks = {}, 0, []
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        chunks.append(raw)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


def predict(model, arch, rows):
    x = torch.tensor(rows, dtype=torch.float64)
    norm = arch.get("normalization")
    if norm:
        x = (x - torch.tensor(norm["shift"], dtype=torch.float64)) / torch.tensor(norm["scale"], dtype=torch.float64)
    model.eval()
    with torch.no_grad():
        return model(x.to(torch.float32)).tolist()


def main():
    mode, arch_path, weights_path, inputs_path = sys.argv[1:5]
    with open(arch_path) as f:
        arch = json.load(f)
    with open(inputs_path) as f:
        rows = json.load(f)
    torch.manual_seed(0)
    model = build(arch)
    if mode == "predict":
        model.load_state_dict(read_safetensors(weights_path), strict=True)
    else:
        write_safetensors(weights_path, model.state_dict())
    json.dump(predict(model, arch, rows), sys.stdout)


if __name__ == "__main__":
    main()
