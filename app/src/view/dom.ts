/** Tiny DOM helpers: the page has no framework. */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id} in index.html`);
  return el as T;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Replaces a <dl>'s content with term/definition rows; each <dd> gets `data-field` for tests. */
export function renderFacts(dl: HTMLElement, rows: [field: string, term: string, value: string, note?: string][]) {
  dl.replaceChildren(
    ...rows.flatMap(([field, term, value, note]) => {
      const dd = h("dd", { "data-field": field }, value);
      if (note) dd.append(h("span", { class: "note" }, ` ${note}`));
      return [h("dt", {}, term), dd];
    }),
  );
}
