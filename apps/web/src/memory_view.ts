import type { ClassifierBundle, NamePrediction } from '@charrnn/trainer';
import { drawStepHeatmap } from './heatmap.js';
import { el } from './dom.js';
import { traceMemory, untraceableReason } from './memory_trace.js';
import type { NameReading } from './name_input.js';

interface Panel {
  title: string;
  values: Float32Array[];
  scale: 'diverging' | 'sequential';
  range?: number;
  note: string;
}

/** The tutorial's explanation of each gate. */
const GATES: Record<string, { title: string; note: string }> = {
  f: { title: 'forget gate f_t', note: 'How much of the previous cell state c_{t−1} is kept.' },
  i: { title: 'input gate i_t', note: 'How much of the new candidate is written into the cell state.' },
  o: { title: 'output gate o_t', note: 'How much of tanh(c_t) is let out as h_t.' },
  z: { title: 'update gate z_t', note: 'How much of h_{t−1} is kept rather than replaced by the candidate.' },
  r: { title: 'reset gate r_t', note: 'How much of h_{t−1} the candidate may look at.' },
};

/**
 * "Inside the memory": heatmaps of the hidden state after each character (and, for an LSTM, the
 * cell state and the input, forget and output gates), for the name being typed.
 */
export function renderMemory(
  container: HTMLElement,
  bundle: ClassifierBundle,
  reading: NameReading | null,
  prediction: NamePrediction | null = null,
): void {
  if (reading === null || reading.ids.length === 0) {
    container.replaceChildren(
      el('p', { className: 'muted', text: 'Type a name to look inside the memory.' }),
    );
    return;
  }
  const reason = untraceableReason(bundle.model);
  // The model's own probabilities in output order, from the prediction the bars already show.
  let reference: Float32Array | undefined;
  if (prediction !== null && prediction.top.length === bundle.labels.length) {
    const byLabel = new Map(prediction.top.map((t) => [t.label, t.probability]));
    reference = Float32Array.from(bundle.labels, (label) => byLabel.get(label) ?? NaN);
  }
  const trace = reason === null ? traceMemory(bundle.model, reading.ids, reference) : null;
  if (trace === null) {
    container.replaceChildren(
      el('p', { className: 'muted', text: `No memory view for this model: ${reason ?? 'unknown cell'}.` }),
    );
    return;
  }
  const columns = reading.symbols;
  const panels: Panel[] = [
    {
      title: `hidden state h_t (${trace.h[0]?.length ?? 0} units, −1 blue … +1 red)`,
      values: trace.h,
      scale: 'diverging',
      note: 'What the network carries from one character to the next; the last column is all the classifier sees.',
    },
  ];
  if (trace.c !== undefined) {
    const cMax = trace.c.reduce((m, col) => col.reduce((mm, v) => Math.max(mm, Math.abs(v)), m), 0);
    panels.push({
      title: `cell state c_t (±${cMax.toFixed(2)})`,
      values: trace.c,
      scale: 'diverging',
      range: cMax,
      note: 'The long-term memory: changed only through the gates.',
    });
  }
  for (const [gate, values] of Object.entries(trace.gates ?? {})) {
    const about = GATES[gate];
    if (about !== undefined)
      panels.push({
        title: `${about.title} (0 white … 1 blue)`,
        values,
        scale: 'sequential',
        note: about.note,
      });
  }
  container.replaceChildren(
    ...panels.map((panel) => {
      const canvas = el('canvas', { className: 'heatmap', attrs: { 'aria-label': panel.title } });
      drawStepHeatmap(canvas, {
        title: panel.title,
        columns,
        values: panel.values,
        scale: panel.scale,
        ...(panel.range === undefined ? {} : { range: panel.range }),
      });
      return el('figure', { children: [canvas, el('figcaption', { text: panel.note })] });
    }),
    el('p', {
      className: 'muted memory-check',
      attrs: { 'data-max-error': trace.maxProbabilityError.toExponential(2) },
      text: `Recomputed from the exported weights in JS; agrees with the model's probabilities to ${trace.maxProbabilityError.toExponential(1)}.`,
    }),
  );
}
