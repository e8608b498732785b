"""The bench's PyTorch side: one training step of a convnet-ts network, timed in PyTorch on the CPU.

Never a dependency of convnet-ts: `npm run bench` runs this file with Debian's /usr/bin/python3 when
it is present and can import torch (python3-torch), and says the row was skipped otherwise.

The network comes from convnet-ts itself: the bench passes the parsed layer definitions
(src/nn/definition.ts, one JSON object per layer, the first the input) in --layers, so both sides
train the same net. The step is what convnet-ts's Trainer does:

    zero the gradients → forward → softmax cross-entropy (mean over the batch) → backward
    → SGD with momentum 0.9 (PyTorch's rule: v = μ·v + g; w -= η·v)

on random inputs in [-0.5, 0.5) and random labels. Batch norm runs in training mode (batch statistics).

Output: exactly one JSON line on stdout, whatever happens —
    {"torch": "1.13.0", "threads": 2, "batch": 32, "stepMilliseconds": [..one per sample..], "cpuSeconds": 3.1}
(cpuSeconds: the process's CPU time, all threads, so the bench does not count it as another process's load)
or, when torch cannot be imported,
    {"unavailable": "cannot import torch: ModuleNotFoundError: No module named 'torch'"}
Anything else (a bad --layers, a layer type it does not know) is an error: a message on stderr and
exit status 2, which the bench reports as such.

    /usr/bin/python3 src/bench/torch-training-step.py --layers '<json>' --threads 1 \
        [--batch 32] [--samples 3] [--sample-ms 300] [--warmup-ms 300]
"""
import argparse
import json
import sys
import time


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--layers', required=True, help='convnet-ts layer definitions as a JSON list')
    parser.add_argument('--threads', type=int, required=True, help='torch.set_num_threads')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--samples', type=int, default=3, help='timed samples; each is a mean over whole steps')
    parser.add_argument('--sample-ms', type=float, default=300.0, help='each sample repeats steps until it lasts this long')
    parser.add_argument('--warmup-ms', type=float, default=300.0)
    return parser.parse_args()


def build_model(torch, layers):
    """nn.Sequential of the definitions, the final softmax left out (the loss applies it).

    Shapes are followed as convnet-ts does: (C, H, W) for images, (units,) after a fully connected
    layer, which flattens whatever comes in.
    """
    nn = torch.nn
    if not layers or layers[0].get('type') != 'input':
        raise ValueError(f"--layers: the first layer must be the input, got {json.dumps(layers[:1])}")
    shape = list(layers[0]['shape'])
    modules = []
    for index, layer in enumerate(layers[1:], start=2):
        kind = layer.get('type')
        if kind == 'conv':
            (size_h, size_w), (stride_h, stride_w), (pad_h, pad_w) = layer['size'], layer['stride'], layer['pad']
            dilation = layer.get('dilation', 1)
            modules.append(nn.Conv2d(shape[0], layer['filters'], (size_h, size_w), (stride_h, stride_w), (pad_h, pad_w), dilation))
            height = (shape[1] + 2 * pad_h - dilation * (size_h - 1) - 1) // stride_h + 1
            width = (shape[2] + 2 * pad_w - dilation * (size_w - 1) - 1) // stride_w + 1
            shape = [layer['filters'], height, width]
        elif kind == 'pool':
            (size_h, size_w), (stride_h, stride_w) = layer['size'], layer['stride']
            pool = nn.MaxPool2d if layer['mode'] == 'max' else nn.AvgPool2d
            modules.append(pool((size_h, size_w), (stride_h, stride_w)))
            shape = [shape[0], (shape[1] - size_h) // stride_h + 1, (shape[2] - size_w) // stride_w + 1]
        elif kind == 'fc':
            inputs = 1
            for extent in shape:
                inputs *= extent
            if len(shape) > 1:
                modules.append(nn.Flatten())
            modules.append(nn.Linear(inputs, layer['units']))
            shape = [layer['units']]
        elif kind == 'relu':
            modules.append(nn.ReLU())
        elif kind == 'batchnorm':
            # PyTorch's momentum weighs the NEW batch; convnet-ts's (like Keras) the running value.
            momentum = 1 - layer.get('momentum', 0.9)
            norm = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
            modules.append(norm(shape[0], eps=layer.get('eps', 1e-5), momentum=momentum))
        elif kind == 'softmax' and index == len(layers):
            pass  # CrossEntropyLoss applies it to the logits
        else:
            raise ValueError(f"--layers: layer {index} ({kind}) is not one this script builds (conv, pool, fc, relu, batchnorm, a final softmax)")
    return nn.Sequential(*modules), layers[0]['shape']


def main():
    arguments = parse_arguments()
    try:
        import torch
    except Exception as error:  # ImportError, or a broken installation raising something else
        print(json.dumps({'unavailable': f'cannot import torch: {type(error).__name__}: {error}'}))
        return 0
    try:
        layers = json.loads(arguments.layers)
        model, input_shape = build_model(torch, layers)
    except (ValueError, KeyError, TypeError) as error:
        print(f'torch-training-step.py: {error}', file=sys.stderr)
        return 2
    torch.set_num_threads(arguments.threads)
    torch.manual_seed(1)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_function = torch.nn.CrossEntropyLoss()
    classes = layers[-2]['units'] if layers[-2].get('type') == 'fc' else 10
    batches = [(torch.rand(arguments.batch, *input_shape) - 0.5, torch.randint(0, classes, (arguments.batch,))) for _ in range(4)]
    step_count = 0

    def step():
        nonlocal step_count
        inputs, labels = batches[step_count % len(batches)]
        step_count += 1
        optimizer.zero_grad(set_to_none=False)
        loss = loss_function(model(inputs), labels)
        loss.backward()
        optimizer.step()

    def run_for(milliseconds):
        """Whole steps until `milliseconds` have passed: the mean milliseconds per step."""
        started = time.perf_counter()
        steps = 0
        while True:
            step()
            steps += 1
            elapsed = (time.perf_counter() - started) * 1000
            if elapsed >= milliseconds:
                return elapsed / steps

    run_for(arguments.warmup_ms)
    samples = [run_for(arguments.sample_ms) for _ in range(arguments.samples)]
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'batch': arguments.batch, 'stepMilliseconds': samples,
                      'cpuSeconds': time.process_time()}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
