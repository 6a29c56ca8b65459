import { checkSetting, TRAIN_LIMITS, type SettingLimit } from '@charrnn/trainer';
import { el } from './dom.js';

/**
 * The numeric settings of the browser's training form: the CLI's ranges and messages
 * (`TRAIN_LIMITS`, `checkSetting` from `@charrnn/trainer`), narrowed where a browser tab cannot
 * follow the CLI (memory and time in one tab: at most 512 units, batches of 1,024, 200 epochs).
 */
const NUMBER_FIELDS = [
  {
    id: 'hidden',
    label: 'Hidden size',
    flag: '--hidden',
    value: '64',
    limit: { ...TRAIN_LIMITS.hidden, max: 512 },
  },
  {
    id: 'embed',
    label: 'Embedding',
    flag: '--embed',
    value: '32',
    limit: { ...TRAIN_LIMITS.embed, max: 512 },
  },
  {
    id: 'epochs',
    label: 'Epochs',
    flag: '--epochs',
    value: '3',
    limit: { ...TRAIN_LIMITS.epochs, max: 200 },
  },
  { id: 'batch', label: 'Batch', flag: '--batch', value: '32', limit: { ...TRAIN_LIMITS.batch, max: 1024 } },
  { id: 'lr', label: 'Learning rate (Adam)', flag: '--lr', value: '0.003', limit: TRAIN_LIMITS.lr },
] as const satisfies readonly {
  id: string;
  label: string;
  flag: string;
  value: string;
  limit: SettingLimit;
}[];

/** A numeric setting's id. */
export type NumberField = (typeof NUMBER_FIELDS)[number]['id'];

function select(id: string, label: string, options: [string, string][]): HTMLElement {
  return el('label', {
    attrs: { for: id },
    children: [
      el('span', { text: label }),
      el('select', {
        attrs: { id, name: id },
        children: options.map(([value, text]) => el('option', { text, attrs: { value } })),
      }),
    ],
  });
}

/** Builds the form's controls (each labelled, numeric ones with a message slot) into `form`. */
export function buildTrainForm(form: HTMLFormElement): void {
  const numbers = NUMBER_FIELDS.map(({ id, label, value, limit }) =>
    el('div', {
      className: 'field',
      children: [
        el('label', { text: label, attrs: { for: id } }),
        el('input', {
          attrs: {
            id,
            name: id,
            type: 'text',
            inputmode: limit.integer ? 'numeric' : 'decimal',
            value,
            'aria-describedby': `${id}-problem`,
          },
        }),
        el('span', { className: 'problem', attrs: { id: `${id}-problem`, 'aria-live': 'polite' } }),
      ],
    }),
  );
  form.replaceChildren(
    el('div', { className: 'field', children: [select('cell', 'Cell', [])] }),
    ...numbers,
    el('div', {
      className: 'field',
      children: [
        el('label', {
          className: 'check',
          attrs: { for: 'ngram' },
          children: [
            el('input', { attrs: { id: 'ngram', type: 'checkbox', checked: '' } }),
            el('span', { text: 'mix in an n-gram model (fitted after training, a few seconds)' }),
          ],
        }),
      ],
    }),
    el('div', {
      className: 'field',
      children: [
        select('train-backend', 'Train on', [
          ['wasm', 'wasm (fastest for small RNNs)'],
          ['webgl', 'webgl'],
          ['cpu', 'cpu'],
        ]),
      ],
    }),
    el('div', {
      className: 'field',
      children: [
        select('alphabet', 'Alphabet', [
          ['tutorial', 'tutorial (ASCII-folded)'],
          ['unicode', 'unicode (as written)'],
        ]),
      ],
    }),
    el('fieldset', {
      children: [
        el('legend', { text: 'Data' }),
        el('label', {
          className: 'check',
          children: [
            el('input', { attrs: { type: 'radio', name: 'data', value: 'embedded', checked: '' } }),
            el('span', { text: 'embedded corpus' }),
          ],
        }),
        el('label', {
          className: 'check',
          children: [
            el('input', { attrs: { type: 'radio', name: 'data', value: 'files' } }),
            el('span', { text: 'my files' }),
          ],
        }),
      ],
    }),
    el('p', { className: 'muted small train-webgl-note', attrs: { id: 'train-webgl-note', hidden: '' } }),
  );
}

/**
 * Reads and checks the numeric settings: each refused value's message is shown beside its
 * field (`--hidden: must be between 1 and 512, got 600`) and the field marked invalid. Returns
 * the values, or `null` when one is refused (the first refused field gets the focus).
 */
export function readNumbers(form: HTMLFormElement): Record<NumberField, number> | null {
  const values: Partial<Record<NumberField, number>> = {};
  let first: HTMLInputElement | null = null;
  for (const { id, flag, limit } of NUMBER_FIELDS) {
    const input = form.querySelector<HTMLInputElement>(`#${id}`);
    const problem = form.querySelector<HTMLElement>(`#${id}-problem`);
    if (input === null || problem === null) continue;
    const checked = checkSetting(input.value, limit);
    if ('problem' in checked) {
      problem.textContent = `${flag}: ${checked.problem}`;
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    } else {
      problem.textContent = '';
      input.removeAttribute('aria-invalid');
      values[id] = checked.value;
    }
  }
  if (first !== null) {
    first.focus();
    return null;
  }
  return values as Record<NumberField, number>;
}
