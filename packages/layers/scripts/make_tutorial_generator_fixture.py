#!/usr/bin/env python3
"""Makes test-fixtures/tutorial_generator.json: the PyTorch tutorial's name-generation RNN
("NLP From Scratch: Generating Names with a Character-Level RNN") on a few random sequences, as
a reference for TutorialGenerator (tutorial_generator.test.ts).

Usage (PyTorch needed; tests never run this): /usr/bin/python3 scripts/make_tutorial_generator_fixture.py

The module below is the tutorial's, with its sizes as arguments. Weights are random float32
values; the reference runs in float64 on those values. The fixture holds the weights in our
layout (kernels [in, out] = PyTorch's weight transposed), the sequences, the log-probabilities
of every step (eval mode: no dropout) and the gradients of the summed NLL of all sequences.
"""
import json, os
import torch
import torch.nn as nn

C, V, H = 3, 7, 5  # categories, symbols, hidden


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(C + input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(C + input_size + hidden_size, output_size)
        self.o2o = nn.Linear(hidden_size + output_size, output_size)
        self.dropout = nn.Dropout(0.1)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, category, input, hidden):
        input_combined = torch.cat((category, input, hidden), 1)
        hidden = self.i2h(input_combined)
        output = self.i2o(input_combined)
        output_combined = torch.cat((hidden, output), 1)
        output = self.o2o(output_combined)
        output = self.dropout(output)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size, dtype=torch.float64)


torch.manual_seed(15)
rnn = RNN(V, H, V)
with torch.no_grad():
    for p in rnn.parameters():
        p.copy_(torch.empty_like(p).uniform_(-0.8, 0.8))
rnn = rnn.double()
rnn.eval()

# (label, inputs, targets); 6 plays BOS/EOS, 0 is PAD and never appears.
seqs = [(0, [6, 2, 3, 4], [2, 3, 4, 6]), (2, [6, 5], [5, 6]), (1, [6, 1, 2], [1, 2, 6])]
criterion = nn.NLLLoss()
rnn.zero_grad()
total = 0
logprobs = []
for label, xs, ys in seqs:
    category = torch.zeros(1, C, dtype=torch.float64); category[0, label] = 1
    hidden = rnn.initHidden()
    rows = []
    for x, y in zip(xs, ys):
        inp = torch.zeros(1, V, dtype=torch.float64); inp[0, x] = 1
        output, hidden = rnn(category, inp, hidden)
        total = total + criterion(output, torch.tensor([y]))
        rows.append(output[0].tolist())
    logprobs.append(rows)
total.backward()


def kernel(linear):
    return linear.weight.detach().t().contiguous().flatten().tolist()


fixture = {
    'source': 'scripts/make_tutorial_generator_fixture.py (PyTorch %s)' % torch.__version__,
    'C': C, 'V': V, 'H': H,
    'weights': {
        'i2h/kernel': kernel(rnn.i2h), 'i2h/bias': rnn.i2h.bias.detach().tolist(),
        'i2o/kernel': kernel(rnn.i2o), 'i2o/bias': rnn.i2o.bias.detach().tolist(),
        'o2o/kernel': kernel(rnn.o2o), 'o2o/bias': rnn.o2o.bias.detach().tolist(),
    },
    'sequences': [{'label': l, 'inputs': xs, 'targets': ys} for l, xs, ys in seqs],
    'logprobs': logprobs,
    'loss': total.item(),
    'grads': {
        'i2h/kernel': rnn.i2h.weight.grad.t().contiguous().flatten().tolist(), 'i2h/bias': rnn.i2h.bias.grad.tolist(),
        'i2o/kernel': rnn.i2o.weight.grad.t().contiguous().flatten().tolist(), 'i2o/bias': rnn.i2o.bias.grad.tolist(),
        'o2o/kernel': rnn.o2o.weight.grad.t().contiguous().flatten().tolist(), 'o2o/bias': rnn.o2o.bias.grad.tolist(),
    },
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test-fixtures', 'tutorial_generator.json')
with open(out + '.tmp', 'w') as f:
    json.dump(fixture, f)
    f.write('\n')
os.replace(out + '.tmp', out)
print('wrote', os.path.normpath(out))
