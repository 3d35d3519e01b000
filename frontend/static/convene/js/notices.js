/**
 * What the room tells you: moderators' notices (broadcasts) as banners, the
 * reconnecting banner, the connection-quality indicator and stray errors.
 * Everything important is also spoken through the page's aria-live regions.
 */
import { $, announce, clock, h } from './dom.js';
import { friendly } from './errors.js';

const MAX_NOTICES = 3;

/** 'good' | 'fair' | 'poor' | 'offline' | 'unknown' from connection state and round trip. */
export function qualityOf(net, rtt, stats = null) {
  if (net === 'reconnecting' || net === 'refused' || net === 'closed') return 'offline';
  if (net !== 'open') return 'unknown';
  const loss = stats?.packetLoss ?? 0;
  if ((rtt ?? 0) > 600 || loss > 0.08) return 'poor';
  if ((rtt ?? 0) > 250 || loss > 0.02) return 'fair';
  return 'good';
}

const QUALITY_TEXT = {
  good: 'Connection good', fair: 'Connection fair', poor: 'Connection poor',
  offline: 'Reconnecting…', unknown: 'Connecting…',
};

export function mountNotices({ store, bus, net }) {
  const notices = $('#notices');
  const banner = $('#reconnect-banner');
  const quality = $('#quality');
  const qualityText = $('.quality-text', quality);
  let wasDown = false;
  let countdown = null;

  function addNotice({ title, text, at, kind = 'info' }) {
    const item = h('li', { class: `banner banner-${kind}` },
      h('span', { class: 'icon icon-megaphone', 'aria-hidden': 'true' }),
      h('p', { class: 'banner-text' }, h('strong', {}, title), ' ', text,
        at ? h('span', { class: 'meta' }, ' · ', h('time', { datetime: at }, clock(at))) : null),
      h('button', { type: 'button', class: 'small', 'aria-label': `Dismiss: ${title}`,
        onclick: () => { item.remove(); $('#main').focus(); } }, 'Dismiss'));
    notices.prepend(item);
    while (notices.children.length > MAX_NOTICES) notices.lastElementChild.remove();
  }

  bus.on('msg:broadcast', (msg) => {
    addNotice({ title: `Notice from ${msg.from.name}:`, text: msg.text, at: msg.at });
    announce(`Notice from ${msg.from.name}: ${msg.text}`, { assertive: true });
  });

  // Evaluation surveys: one banner per survey, with a link that opens it in a new tab so
  // the session keeps running here.
  const prompted = new Set();
  bus.on('msg:survey.prompt', (msg) => {
    if (prompted.has(msg.survey_id)) return;
    prompted.add(msg.survey_id);
    const item = h('li', { class: 'banner banner-info survey-prompt' },
      h('p', { class: 'banner-text' }, h('strong', {}, 'Please tell us how it went: '), msg.title, ' '),
      h('a', { href: msg.url, target: '_blank', rel: 'noopener', class: 'button small primary' }, 'Take the survey'),
      // The visible word leads the accessible name (WCAG 2.5.3), so "click Later" works by voice.
      h('button', { type: 'button', class: 'small', 'aria-label': `Later: ${msg.title}`,
        onclick: () => { item.remove(); $('#main').focus(); } }, 'Later'));
    notices.prepend(item);
    while (notices.children.length > MAX_NOTICES) notices.lastElementChild.remove();
    announce(`Survey available: ${msg.title}`);
  });

  // Other modules' notices (breakouts: moved, back in the plenary, help requested).
  bus.on('notice', (notice) => addNotice(notice));

  bus.on('net:error', (err) => {
    addNotice({ title: 'Problem:', text: friendly(err), kind: 'error' });
    announce(friendly(err), { assertive: true });
  });

  function showBanner(content) {
    banner.replaceChildren(...content);
    banner.hidden = false;
  }

  function renderNet(s) {
    clearInterval(countdown);
    if (s.net === 'reconnecting') {
      if (!wasDown) announce('Connection lost. Reconnecting.', { assertive: true });
      wasDown = true;
      const tryNow = h('button', { type: 'button', class: 'small', onclick: () => net.retryNow() }, 'Try now');
      const text = h('span', { class: 'banner-text' });
      const tick = () => {
        const left = Math.max(0, Math.ceil(((s.netRetryAt || 0) - Date.now()) / 1000));
        text.textContent = `Connection lost. Reconnecting${left > 1 ? ` in ${left} s` : '…'} Chat you send now will go out when you're back.`;
      };
      tick();
      countdown = setInterval(tick, 1000);
      showBanner([h('span', { class: 'spinner', 'aria-hidden': 'true' }), text, tryNow]);
    } else if (s.net === 'open' && wasDown) {
      wasDown = false;
      showBanner([h('span', { class: 'banner-text' }, 'Reconnected. You are back in the session.')]);
      announce('Reconnected.');
      setTimeout(() => { if (store.state.net === 'open') banner.hidden = true; }, 4000);
    } else if (s.net === 'refused') {
      const reason = s.netLastError?.message || (s.netCloseCode === 4403
        ? "You're not registered for this convening."
        : s.netCloseCode === 4401 ? 'Your sign-in has expired: open your join link again.' : "The server couldn't let you in.");
      announce(reason, { assertive: true });
      showBanner([h('span', { class: 'banner-text' }, `${reason} `),
        h('a', { href: location.pathname, class: 'button small' }, 'Reload')]);
    } else if (s.net === 'open') {
      banner.hidden = true;
    }
  }

  let lastLevel = 'unknown';
  function renderQuality(s) {
    const level = qualityOf(s.net, s.rtt, s.rtcStats);
    if (level === 'poor' && lastLevel !== 'poor') announce('Your connection is poor.');
    lastLevel = level;
    quality.dataset.level = level;
    const rtt = s.net === 'open' && s.rtt !== undefined && s.rtt !== null ? ` (${s.rtt} ms)` : '';
    qualityText.textContent = `${QUALITY_TEXT[level]}${rtt}`;
    quality.title = level === 'poor' ? 'Your connection is slow: video may freeze. Chat still works.' : QUALITY_TEXT[level];
  }

  store.watch(['net', 'netRetryAt'], renderNet);
  store.watch(['net', 'rtt', 'rtcStats'], renderQuality);
}

/** Moderators: the "Notice to everyone" form (a `broadcast.send`). */
export function mountBroadcastForm({ net }) {
  const form = $('#broadcast-form');
  if (!form) return;
  const input = $('#broadcast-input');
  const status = $('#broadcast-error');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { status.textContent = 'Write the notice first.'; return; }
    status.textContent = '';
    const id = net.trySend('broadcast.send', { text }, {
      onError: (err) => { if (!input.value) input.value = text; status.textContent = friendly(err); } });
    if (id) {
      input.value = '';
      announce('Notice sent to everyone.');
    }
  });
}
