// A small line chart (inline SVG) of one series over time, with its last and highest values in words
// beside it (the figure's accessible name says them too).

const SVG = "http://www.w3.org/2000/svg";
const W = 240;
const H = 60;

export function chart(title: string, values: number[], format: (n: number) => string): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "chart";
  const last = values.at(-1) ?? 0;
  const max = Math.max(0, ...values);
  const words = `${title}: now ${format(last)}, highest ${format(max)} over the last ${values.length} samples`;
  figure.setAttribute("aria-label", words);
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", words);
  // One sample is drawn as a level line.
  const series = values.length === 1 ? [values[0]!, values[0]!] : values;
  if (series.length > 1) {
    const top = max || 1;
    const points = series.map((v, i) => `${((i / (series.length - 1)) * W).toFixed(1)},${(H - 2 - (v / top) * (H - 4)).toFixed(1)}`).join(" ");
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", points);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "1.5");
    svg.append(line);
  }
  const caption = document.createElement("figcaption");
  caption.textContent = `${title}: ${format(last)} (highest ${format(max)})`;
  figure.append(svg, caption);
  return figure;
}
