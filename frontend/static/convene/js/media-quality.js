/**
 * Connection quality from real RTC stats: one scale for your own indicator (notices.js) and for
 * each person's tile, where a small badge says in words what arrives of their video ("Good ·
 * 360p") with the figures in its label ("receiving 360p, 0.4 % loss, 38 ms round trip").
 * Colour only repeats what the words say.
 */
import { h } from './dom.js';

const POOR = { rtt: 600, loss: 0.08 };
const FAIR = { rtt: 250, loss: 0.02 };

/** 'good' | 'fair' | 'poor' from a round trip (ms, null = unknown) and a loss fraction (0..1). */
export function levelOf(rtt, loss) {
  if ((rtt ?? 0) > POOR.rtt || (loss ?? 0) > POOR.loss) return 'poor';
  if ((rtt ?? 0) > FAIR.rtt || (loss ?? 0) > FAIR.loss) return 'fair';
  return 'good';
}

const WORD = { good: 'Good', fair: 'Fair', poor: 'Poor' };

const percent = (x) => `${(100 * x).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`;

/**
 * What a tile shows for one received camera sample (`{height, loss, rtt, frames}`, media-stats.js),
 * or null when nothing arrives (an avatar, or video the server holds back says so elsewhere).
 */
export function tileQuality(sample) {
  if (!sample || !sample.height || !sample.frames) return null;
  const level = levelOf(sample.rtt, sample.loss);
  const rtt = sample.rtt === null || sample.rtt === undefined ? '' : `, ${Math.round(sample.rtt)} ms round trip`;
  return { level, text: `${WORD[level]} · ${sample.height}p`,
    label: `Connection ${WORD[level].toLowerCase()}: receiving ${sample.height}p, ${percent(sample.loss)} loss${rtt}` };
}

/**
 * Keeps a badge on every remote tile of `grid` from `store.state.cameraQuality` (participant_id →
 * sample). The grid re-renders its tiles whenever people or streams change, so the badges are put
 * back after each render (a MutationObserver) rather than the grid knowing about them.
 */
export function mountTileQuality({ store, grid }) {
  if (!grid) return () => {};
  const apply = () => {
    const quality = store.state.cameraQuality || new Map();
    const me = String(store.state.you?.participant_id ?? '');
    for (const tile of grid.querySelectorAll(':scope > li[data-participant-id]')) {
      if (tile.dataset.participantId === me) continue;
      const q = tile.classList.contains('has-video') ? tileQuality(quality.get(Number(tile.dataset.participantId))) : null;
      let badge = tile.querySelector(':scope > .tile-quality');
      if (!q) { badge?.remove(); continue; }
      if (!badge) {
        badge = h('p', { class: 'tile-quality' },
          h('span', { class: 'quality-bars', 'aria-hidden': 'true' }, h('i'), h('i'), h('i')),
          h('span', { class: 'tile-quality-text', 'aria-hidden': 'true' }), h('span', { class: 'visually-hidden' }));
        tile.append(badge);
      }
      if (badge.dataset.level !== q.level) badge.dataset.level = q.level;
      if (badge.title !== q.label) {
        badge.title = q.label;
        badge.lastElementChild.textContent = q.label;
      }
      const text = badge.querySelector('.tile-quality-text');
      if (text.textContent !== q.text) text.textContent = q.text;
    }
  };
  const observer = new MutationObserver(apply);
  observer.observe(grid, { childList: true });
  const unwatch = store.watch(['cameraQuality'], apply);
  return () => { observer.disconnect(); unwatch(); };
}
