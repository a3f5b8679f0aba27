// Building the page: elements by id, new elements whose text is set as text (never as HTML), buttons.

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A button with its visible label, a label for screen readers when the visible one is not enough, and its action. */
export function button(label: string, onClick: () => unknown, ariaLabel?: string, className?: string): HTMLButtonElement {
  const b = el("button", label);
  b.type = "button";
  if (ariaLabel) b.setAttribute("aria-label", ariaLabel);
  if (className) b.className = className;
  b.addEventListener("click", () => void onClick());
  return b;
}

/** A cell holding the given nodes, separated by spaces. */
export function cell(...nodes: Node[]): HTMLTableCellElement {
  const td = el("td");
  nodes.forEach((n, i) => {
    if (i > 0) td.append(document.createTextNode(" "));
    td.append(n);
  });
  return td;
}

export const size = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : n < 1073741824 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1073741824).toFixed(2)} GiB`;

/** A cell of a column that narrow screens leave out (dates). */
export function wide(text: string): HTMLTableCellElement {
  const td = el("td", text);
  td.className = "wide";
  return td;
}

/** Shows `message` in the element with id `where` (an alert region); empty clears it. */
export function say(where: string, message: string): void {
  byId(where).textContent = message;
}
