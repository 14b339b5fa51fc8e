// Builds the page from values as text only: nothing here parses markup. A string child
// becomes a text node, an attribute is set with setAttribute, and an SVG element is
// made in the SVG namespace, so a name typed as `<img onerror=...>` stays text.
const kSvgNamespace = 'http://www.w3.org/2000/svg';

function build(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') {
      for (const [key, data] of Object.entries(value)) {
        if (data !== undefined) element.dataset[key] = data === null ? 'null' : String(data);
      }
    } else if (name.startsWith('on')) {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'style') {
      throw new Error('dom: set styles with classes (the CSP forbids style attributes)');
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

// An HTML element: el('td', {class: 'money'}, '¥1.00').
export function el(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

// An SVG element: svg('rect', {x: 0, width: 10}).
export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(kSvgNamespace, tag), attributes, children);
}

// A table with a header row of `headings` and one row per entry of `rows` (each an
// array of cells, or {cells, attributes}); `numeric` names the columns to right-align.
export function table(headings, rows, {numeric = [], attributes = {}} = {}) {
  const align = (i) => (numeric.includes(i) ? 'number' : undefined);
  const head = el('tr', {}, headings.map((h, i) => el('th', {class: align(i), scope: 'col'}, h)));
  const body = rows.map((row) => {
    const {cells, attributes: rowAttributes} = Array.isArray(row) ? {cells: row} : row;
    return el('tr', rowAttributes, cells.map((c, i) => el('td', {class: align(i)}, c)));
  });
  return el('table', attributes, el('thead', {}, head), el('tbody', {}, body));
}
