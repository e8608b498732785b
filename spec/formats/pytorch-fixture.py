"""Writes the PyTorch fixtures of spec/formats/pytorch-import.spec.ts into the folder given as argv[1]:
a small sequential CNN exported with torch.onnx.export (opset 13), twice — flattened with
x.view(x.size(0), -1) and a final Softmax, and with nn.Flatten and raw scores — plus, for each, a
fixed input and PyTorch's own outputs as JSON. Generated at spec time, never committed."""
import json
import sys

import torch

folder = sys.argv[1]
torch.manual_seed(0)


class SmallCnn(torch.nn.Module):
    def __init__(self, view):
        super().__init__()
        self.view = view
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(4, 6, 3, padding=2, dilation=2), torch.nn.Tanh(), torch.nn.AvgPool2d(2))
        self.flatten = torch.nn.Flatten()
        # BatchNorm1d after a Linear stays a BatchNormalization node (eval export fuses only Conv + BN).
        self.classifier = torch.nn.Sequential(
            torch.nn.Linear(6 * 2 * 2, 8), torch.nn.BatchNorm1d(8), torch.nn.LeakyReLU(0.2), torch.nn.Dropout(0.5),
            torch.nn.Linear(8, 5))
        self.softmax = torch.nn.Softmax(dim=1)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1) if self.view else self.flatten(x)
        x = self.classifier(x)
        return self.softmax(x) if self.view else x


for view in (True, False):
    net = SmallCnn(view)
    with torch.no_grad():
        for bn in (net.features[1], net.classifier[1]):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 1.5)
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
    net.eval()
    x = torch.rand(3, 3, 8, 8) * 4 - 2
    name = 'view-softmax' if view else 'flatten-scores'
    torch.onnx.export(net, x, f'{folder}/{name}.onnx', opset_version=13, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'N'}, 'output': {0: 'N'}})
    with open(f'{folder}/{name}.json', 'w') as out:
        json.dump({'torch': torch.__version__, 'input': x.flatten().tolist(), 'output': net(x).detach().flatten().tolist()}, out)
