/** Small DOM helpers shared by the live client's render functions. */

export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Create an element: `h('li', {class: 'x', onclick: fn, 'aria-label': 'y'}, child, 'text')`.
 * `null`/`false` children are skipped; attributes set to `null`/`false` are omitted.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Two-letter initials for an avatar. */
export function initials(name = '') {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] || '') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase() || '?';
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/** "9:41 AM" for an ISO timestamp or epoch number; '' when missing or invalid. */
export function clock(at) {
  if (at === undefined || at === null) return '';
  const date = typeof at === 'number' ? new Date(at < 1e12 ? at * 1000 : at) : new Date(at);
  return Number.isNaN(date.getTime()) ? '' : timeFormat.format(date);
}

/** Text for a screen reader, via the page's polite or assertive live region. */
export function announce(text, { assertive = false } = {}) {
  const region = document.getElementById(assertive ? 'announce-assertive' : 'announce-polite');
  if (!region) return;
  region.textContent = '';
  // A fresh text node after a tick makes screen readers read repeats too.
  setTimeout(() => { region.textContent = text; }, 30);
}

/** Show (or clear, with '') a short inline error in `el`, clearing it after `ms`. */
export function inlineError(el, text, ms = 8000) {
  if (!el) return;
  el.textContent = text;
  clearTimeout(el._convTimer);
  if (text && ms) el._convTimer = setTimeout(() => { el.textContent = ''; }, ms);
}
