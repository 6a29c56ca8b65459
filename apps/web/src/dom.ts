/** Attributes and children accepted by {@link el}. Text is always set as text, never parsed. */
export interface ElOptions {
  className?: string;
  text?: string;
  attrs?: Record<string, string>;
  children?: (Node | null | undefined)[];
}

/**
 * Creates an element. User-provided strings (names, labels, file names) go through
 * `textContent` or attributes set with `setAttribute`, so markup in them stays text.
 */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElOptions = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.className !== undefined) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [key, value] of Object.entries(options.attrs ?? {})) node.setAttribute(key, value);
  for (const child of options.children ?? []) if (child) node.append(child);
  return node;
}

/** The element with this id; throws when the page lacks it (a bug in index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`index.html has no #${id}`);
  return node as T;
}

/** Message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `0.1234` → `'12.3%'`. */
export function percent(value: number, digits = 1): string {
  return `${(100 * value).toFixed(digits)}%`;
}
