/**
 * The key under which {@link stratifiedSplit} groups names so that variants of one name never sit
 * on two sides: Unicode NFD, combining marks removed, lower case. `'Ślusàrski'`, `'Slusarski'`
 * and `'SLUSARSKI'` share the key `'slusarski'`.
 *
 * @example
 * ```ts
 * nameKey('Müller'); // 'muller'
 * ```
 */
export function nameKey(name: string): string {
  return name.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC').toLowerCase();
}
