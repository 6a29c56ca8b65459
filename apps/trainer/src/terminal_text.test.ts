import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcParams } from '../../../test-utils/fuzz.js';
import { terminalText } from './terminal_text.js';

describe('terminalText', () => {
  it('shows escape sequences, OSC 8 links, BEL, CR and bidi controls instead of letting them act', () => {
    expect(terminalText('\u001b[2J\u001b[HGreek')).toBe('\\x1b[2J\\x1b[HGreek');
    expect(terminalText('\u001b]8;;https://evil\u0007click\u001b]8;;\u0007')).toBe(
      '\\x1b]8;;https://evil\\x07click\\x1b]8;;\\x07',
    );
    expect(terminalText('ok\rfake\n\t\u009b')).toBe('ok\\x0dfake\\x0a\\x09\\x9b');
    expect(terminalText('a\u202eb\u2066c\u2028')).toBe('a\\u202eb\\u2066c\\u2028');
    expect(terminalText('Šťastný 山田 😀 O’Neil')).toBe('Šťastný 山田 😀 O’Neil');
  });

  it('never lets a control character through, whatever the text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(terminalText(text)).not.toMatch(/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u);
      }),
      fcParams(),
    );
  });
});
