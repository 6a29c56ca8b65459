/**
 * The 'model.py' that 'charrnn export --format pytorch' writes beside the weights: a plain
 * PyTorch module ('load(dir)', 'predict(names)') that encodes names as charrnn does.
 * @internal
 */
export const TORCH_MODEL_PY = String.raw`"""A charrnn classifier in plain PyTorch, written by 'charrnn export --format pytorch'.

    import model
    m = model.load('path/to/this/dir')
    probs = m.predict(['Nguyen', 'Schmidt'])          # [names, labels] float32 probabilities
    print(m.labels[int(probs[0].argmax())])

Files beside it: model.safetensors (the weights, PyTorch names), config.json (architecture,
tokenizer, n-gram head), labels.json (label of each output). Only torch is needed: the
safetensors file is read by 'read_safetensors' below (or by 'safetensors.torch.load_file').

Names are encoded exactly as charrnn does (Tokenizer below): 'ascii-fold' = Unicode NFD,
combining marks dropped, characters outside the alphabet dropped (the PyTorch names tutorial's
unicodeToAscii); 'unicode' = NFC, unknown characters read as UNK (id 1). Token id of symbol k is
k + 2 (0 = PAD, 1 = UNK). Each name runs over its own characters (lengths; padding never
matters), the backward direction of a bidirectional layer from the name's last character.

The recurrent weights are named and laid out as nn.RNN / nn.LSTM / nn.GRU name theirs
(weight_ih_l{k}[_reverse], gates i,f,g,o for the LSTM and r,z,n for the GRU), so a
concat-merged RNN, LSTM or reset-after GRU loads into those modules too (load_state_dict of
rnn.*). A GRU with reset_after false (Keras 2 form) computes
n = tanh(W_in x + b_in + W_hn (r * h) + b_hn), and a model with recurrent_activation
'hard_sigmoid' gates with clip(0.2 z + 0.5, 0, 1), which nn.GRU / nn.LSTM do not: this module does.
"""
import json
import os
import struct
import unicodedata

import torch
from torch import nn


def read_safetensors(path):
    """The float32 tensors of a .safetensors file, by name."""
    with open(path, 'rb') as f:
        data = f.read()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    start = 8 + n
    out = {}
    for name, spec in header.items():
        if name == '__metadata__':
            continue
        if spec['dtype'] != 'F32':
            raise ValueError('%s: only F32 tensors are read, got %s' % (name, spec['dtype']))
        begin, end = spec['data_offsets']
        t = torch.frombuffer(bytearray(data[start + begin:start + end]), dtype=torch.float32)
        out[name] = t.reshape(spec['shape']) if spec['shape'] else t.reshape(())
    return out


class Tokenizer:
    """charrnn's tokenizer: PAD = 0, UNK = 1, symbol k = k + 2."""

    def __init__(self, spec):
        self.normalization = spec['normalization']
        self.symbols = list(spec['symbols'])
        self.max_length = spec.get('maxLength')
        self.ids = {s: i + 2 for i, s in enumerate(self.symbols)}

    def normalize(self, text):
        if self.normalization == 'unicode':
            return unicodedata.normalize('NFC', text)
        return ''.join(c for c in unicodedata.normalize('NFD', text)
                       if not unicodedata.category(c).startswith('M') and c in self.ids)

    def encode(self, text):
        ids = [self.ids.get(c, 1) for c in self.normalize(text)]
        return ids if self.max_length is None else ids[:self.max_length]


class Recurrent(nn.Module):
    """Stacked, optionally bidirectional RNN / LSTM / GRU over right-padded sequences with lengths."""

    def __init__(self, cell, input_size, hidden_size, num_layers, merge, reset_after, recurrent_activation='sigmoid'):
        super().__init__()
        self.cell, self.hidden_size, self.num_layers = cell, hidden_size, num_layers
        self.merge, self.reset_after = merge, reset_after
        # The gates' activation: sigmoid, or Keras 2's / tfjs-layers' hard_sigmoid.
        self.gate = torch.sigmoid if recurrent_activation == 'sigmoid' else (
            lambda z: torch.clamp(0.2 * z + 0.5, 0.0, 1.0))
        gates = {'rnn': 1, 'lstm': 4, 'gru': 3}[cell] * hidden_size
        out = 2 * hidden_size if merge == 'concat' else hidden_size
        for k in range(num_layers):
            for suffix in (['', '_reverse'] if merge else ['']):
                width = input_size if k == 0 else out
                self.register_parameter('weight_ih_l%d%s' % (k, suffix), nn.Parameter(torch.zeros(gates, width)))
                self.register_parameter('weight_hh_l%d%s' % (k, suffix), nn.Parameter(torch.zeros(gates, hidden_size)))
                self.register_parameter('bias_ih_l%d%s' % (k, suffix), nn.Parameter(torch.zeros(gates)))
                self.register_parameter('bias_hh_l%d%s' % (k, suffix), nn.Parameter(torch.zeros(gates)))

    def step(self, x, state, w_ih, w_hh, b_ih, b_hh):
        h, c = state
        if self.cell == 'rnn':
            return torch.tanh(x @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh), c
        if self.cell == 'lstm':
            i, f, g, o = (x @ w_ih.t() + b_ih + h @ w_hh.t() + b_hh).chunk(4, 1)
            c = self.gate(f) * c + self.gate(i) * torch.tanh(g)
            return self.gate(o) * torch.tanh(c), c
        xr, xz, xn = (x @ w_ih.t() + b_ih).chunk(3, 1)
        H = self.hidden_size
        if self.reset_after:
            hr, hz, hn = (h @ w_hh.t() + b_hh).chunk(3, 1)
            r, z = self.gate(xr + hr), self.gate(xz + hz)
            n = torch.tanh(xn + r * hn)
        else:
            hr, hz = (h @ w_hh[:2 * H].t() + b_hh[:2 * H]).chunk(2, 1)
            r, z = self.gate(xr + hr), self.gate(xz + hz)
            n = torch.tanh(xn + (r * h) @ w_hh[2 * H:].t() + b_hh[2 * H:])
        return (1 - z) * n + z * h, c

    def run(self, x, lengths, k, suffix):
        B, T, _ = x.shape
        p = lambda name: getattr(self, '%s_l%d%s' % (name, k, suffix))
        zeros = x.new_zeros(B, self.hidden_size)
        state = (zeros, zeros)
        outputs = [None] * T
        for t in (range(T - 1, -1, -1) if suffix else range(T)):
            valid = (t < lengths).unsqueeze(1)
            h, c = self.step(x[:, t], state, p('weight_ih'), p('weight_hh'), p('bias_ih'), p('bias_hh'))
            state = (torch.where(valid, h, state[0]), torch.where(valid, c, state[1]))
            outputs[t] = state[0]
        return torch.stack(outputs, 1), state[0]

    def forward(self, x, lengths):
        """x [B, T, E], lengths [B] -> the last layer's final state(s) merged, [B, out]."""
        for k in range(self.num_layers):
            seq, last = self.run(x, lengths, k, '')
            if self.merge:
                seq_b, last_b = self.run(x, lengths, k, '_reverse')
                if self.merge == 'concat':
                    seq, last = torch.cat((seq, seq_b), 2), torch.cat((last, last_b), 1)
                else:
                    seq, last = seq + seq_b, last + last_b
            x = seq
        return last


class NgramHead(nn.Module):
    """Class scores from the distinct n-grams of a name's ids (0 marks its start and end)."""

    def __init__(self, spec, num_classes):
        super().__init__()
        self.min_n, self.max_n, self.rnn_scale = spec['minN'], spec['maxN'], spec['rnnScale']
        self.index = {g: i for i, g in enumerate(spec['grams'])}
        self.weight = nn.Parameter(torch.zeros(len(spec['grams']), num_classes))
        self.bias = nn.Parameter(torch.zeros(num_classes))

    def forward(self, ids_list):
        rows = []
        for ids in ids_list:
            padded = [0] + list(ids) + [0]
            grams = {'.'.join(map(str, padded[i:i + n]))
                     for n in range(self.min_n, self.max_n + 1) for i in range(len(padded) - n + 1)}
            found = [self.index[g] for g in grams if g in self.index]
            score = self.bias.double() + self.weight[found].double().sum(0)
            rows.append(score.float())
        return torch.stack(rows)


class CharRNN(nn.Module):
    def __init__(self, config):
        super().__init__()
        m = config['model']
        self.embedding = nn.Embedding(m['vocab_size'], m['embed_dim'])
        self.rnn = Recurrent(m['cell'], m['embed_dim'], m['hidden_size'], m['num_layers'], m['merge'],
                             m['reset_after'], m.get('recurrent_activation', 'sigmoid'))
        out = 2 * m['hidden_size'] if m['merge'] == 'concat' else m['hidden_size']
        self.fc = nn.Linear(out, m['num_classes'])
        self.ngram = NgramHead(config['ngram'], m['num_classes']) if config.get('ngram') else None
        self.tokenizer = Tokenizer(config['tokenizer'])
        self.labels = list(config['labels'])

    def forward(self, ids, lengths):
        """Logits [B, C] of right-padded ids [B, T] with lengths [B] (the n-gram head not included)."""
        return self.fc(self.rnn(self.embedding(ids), lengths))

    @torch.no_grad()
    def predict(self, names):
        """Probabilities [len(names), C], as 'charrnn predict' computes them."""
        encoded = [self.tokenizer.encode(n) for n in names]
        lengths = torch.tensor([len(e) for e in encoded])
        ids = torch.zeros(len(encoded), max(1, int(lengths.max()) if encoded else 1), dtype=torch.long)
        for i, e in enumerate(encoded):
            ids[i, :len(e)] = torch.tensor(e, dtype=torch.long)
        logits = self.forward(ids, lengths)
        if self.ngram is not None:
            logits = self.ngram.rnn_scale * logits + self.ngram(encoded)
        return torch.softmax(logits, 1)


def load(directory):
    """The model saved in 'directory' (config.json, labels.json, model.safetensors), in eval mode."""
    with open(os.path.join(directory, 'config.json'), encoding='utf-8') as f:
        config = json.load(f)
    with open(os.path.join(directory, 'labels.json'), encoding='utf-8') as f:
        config['labels'] = json.load(f)
    model = CharRNN(config)
    model.load_state_dict(read_safetensors(os.path.join(directory, 'model.safetensors')))
    return model.eval()
`;
