/**
 * What the room tells you: moderators' notices (broadcasts) as banners, the
 * reconnecting banner, the connection-quality indicator and stray errors.
 * Everything important is also spoken through the page's aria-live regions.
 *
 * Notices never push the room off the screen: one shows (the newest), the others fold
 * into "3 more notices", which opens them. Passing news ("Moved", "Back in the plenary",
 * small problems) goes away by itself after a few seconds (not while pointed at or
 * focused); moderators' notices and help requests stay until dismissed; survey prompts
 * share one banner ("Surveys waiting (2)").
 */
import { $, announce, clock, h } from './dom.js';
import { friendly } from './errors.js';
import { levelOf } from './media-quality.js';

/** Notices shown at once; the rest fold under "N more notices". */
const SHOWN = 1;
/** How long passing news stays (ms), by kind; kinds not listed stay until dismissed. */
const EXPIRES_MS = { info: 10_000, error: 15_000 };
/** A notice about to expire while someone points at it or has focus in it waits this long more. */
const EXPIRY_GRACE_MS = 3_000;

/**
 * 'good' | 'fair' | 'poor' | 'offline' | 'left' | 'unknown' from connection state, the websocket's
 * round trip and the media connection's stats (its round trip, loss of what we receive and of
 * what we send, as the media server reports it): the worst of them.
 */
export function qualityOf(net, rtt, stats = null) {
  if (net === 'closed') return 'left'; // left on purpose (Leave): not a connection problem
  if (net === 'reconnecting' || net === 'refused') return 'offline';
  if (net !== 'open') return 'unknown';
  return levelOf(Math.max(rtt ?? 0, stats?.rtt ?? 0), Math.max(stats?.packetLoss ?? 0, stats?.sendLoss ?? 0));
}

/** The figures behind the indicator, for its tooltip: "Round trip 40 ms; loss 0.5 % received, 0 % sent". */
export function qualityFigures(rtt, stats) {
  const parts = [];
  const trip = Math.max(rtt ?? 0, stats?.rtt ?? 0);
  if (trip) parts.push(`Round trip ${Math.round(trip)} ms`);
  const pct = (x) => `${(100 * (x || 0)).toFixed(1)} %`;
  if (stats) parts.push(`loss ${pct(stats.packetLoss)} received, ${pct(stats.sendLoss)} sent`);
  return parts.join('; ');
}

const QUALITY_TEXT = {
  good: 'Connection good', fair: 'Connection fair', poor: 'Connection poor',
  offline: 'Reconnecting…', unknown: 'Connecting…', left: 'You left',
};

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** The "N more notices" line under the banner shown: "" when nothing is folded. */
export function moreNoticesText(total, expanded, shown = SHOWN) {
  const folded = total - shown;
  if (folded <= 0) return '';
  return expanded ? 'Show fewer notices' : `${plural(folded, 'more notice', 'more notices')}`;
}

/**
 * The notices list: newest first, `SHOWN` visible, the rest behind a toggle; items of a
 * kind in `EXPIRES_MS` remove themselves. Returns `{add(item, kind), remove(item), top(item)}`.
 */
function noticeList(list) {
  const more = h('button', { type: 'button', class: 'small notices-more', id: 'notices-more',
    'aria-controls': 'notices', 'aria-expanded': 'false', hidden: true });
  list.after(more);
  let expanded = false;

  function render() {
    const items = [...list.children];
    items.forEach((item, i) => { item.hidden = !expanded && i >= SHOWN; });
    const text = moreNoticesText(items.length, expanded);
    if (!text) expanded = false;
    more.hidden = !text;
    more.textContent = text;
    more.setAttribute('aria-expanded', String(expanded));
    list.classList.toggle('expanded', expanded);
  }

  more.addEventListener('click', () => {
    expanded = !expanded;
    render();
    if (expanded) list.firstElementChild?.querySelector('button, a')?.focus();
  });

  function remove(item) {
    clearTimeout(item._expiry);
    const hadFocus = item.contains(document.activeElement);
    item.remove();
    render();
    if (hadFocus) (list.querySelector('li:not([hidden]) button') || $('#main')).focus();
  }

  function expireLater(item, ms) {
    clearTimeout(item._expiry);
    item._expiry = setTimeout(() => {
      // Not while someone reads it with the pointer or works in it with the keyboard.
      if (item.matches(':hover') || item.contains(document.activeElement)) expireLater(item, EXPIRY_GRACE_MS);
      else remove(item);
    }, ms);
  }

  return {
    add(item, kind) {
      item.dataset.kind = kind;
      list.prepend(item);
      if (EXPIRES_MS[kind]) expireLater(item, EXPIRES_MS[kind]);
      render();
    },
    /** Move an item already listed to the front (a survey banner that gained a survey). */
    top(item) {
      if (list.firstElementChild !== item) list.prepend(item);
      render();
    },
    remove,
  };
}

export function mountNotices({ store, bus, net }) {
  const notices = $('#notices');
  const banner = $('#reconnect-banner');
  const quality = $('#quality');
  const qualityText = $('.quality-text', quality);
  const list = noticeList(notices);
  let wasDown = false;
  let countdown = null;

  function addNotice({ title, text, at, kind = 'info' }) {
    const item = h('li', { class: `banner banner-${kind}` },
      h('span', { class: 'icon icon-megaphone', 'aria-hidden': 'true' }),
      h('p', { class: 'banner-text' }, h('strong', {}, title), ' ', text,
        at ? h('span', { class: 'meta' }, ' · ', h('time', { datetime: at }, clock(at))) : null),
      h('button', { type: 'button', class: 'small', 'aria-label': `Dismiss: ${title}`,
        onclick: () => list.remove(item) }, 'Dismiss'));
    list.add(item, kind);
  }

  bus.on('msg:broadcast', (msg) => {
    addNotice({ title: `Notice from ${msg.from.name}:`, text: msg.text, at: msg.at, kind: 'broadcast' });
    announce(`Notice from ${msg.from.name}: ${msg.text}`, { assertive: true });
  });

  // Evaluation surveys: one banner for all of them, with links that open each in a new tab
  // so the session keeps running here.
  const prompted = new Set();
  const waiting = new Map(); // survey_id -> {title, url}
  let surveyBanner = null;

  function laterSurveys() {
    waiting.clear();
    const item = surveyBanner;
    surveyBanner = null;
    list.remove(item);
  }

  function renderSurveys() {
    const surveys = [...waiting.values()];
    const take = (s, label) => h('a', { href: s.url, target: '_blank', rel: 'noopener', class: 'button small primary' }, label);
    // The visible word leads the accessible name (WCAG 2.5.3), so "click Later" works by voice.
    const later = h('button', { type: 'button', class: 'small', onclick: laterSurveys,
      'aria-label': surveys.length === 1 ? `Later: ${surveys[0].title}` : 'Later: surveys waiting' }, 'Later');
    const content = surveys.length === 1
      ? [h('p', { class: 'banner-text' }, h('strong', {}, 'Please tell us how it went: '), surveys[0].title, ' '),
        take(surveys[0], 'Take the survey'), later]
      : [h('div', { class: 'banner-text' }, h('p', {}, h('strong', {}, `Surveys waiting (${surveys.length})`)),
        h('ul', { class: 'survey-links' }, ...surveys.map((s) => h('li', {},
          take(s, h('span', {}, 'Take the survey', h('span', { class: 'visually-hidden' }, ':')), ` ${s.title}`))))),
        later];
    if (!surveyBanner) {
      surveyBanner = h('li', { class: 'banner banner-info survey-prompt' });
      surveyBanner.replaceChildren(...content);
      list.add(surveyBanner, 'surveys');
    } else {
      surveyBanner.replaceChildren(...content);
      list.top(surveyBanner);
    }
  }

  bus.on('msg:survey.prompt', (msg) => {
    if (prompted.has(msg.survey_id)) return;
    prompted.add(msg.survey_id);
    waiting.set(msg.survey_id, { title: msg.title, url: msg.url });
    renderSurveys();
    announce(`Survey available: ${msg.title}`);
  });

  // Other modules' notices (breakouts: moved, back in the plenary, help requested).
  bus.on('notice', (notice) => addNotice(notice));

  bus.on('net:error', (err) => {
    addNotice({ title: 'Problem:', text: friendly(err), kind: 'error' });
    announce(friendly(err), { assertive: true });
  });

  // A refusal said before an earlier close is history once the server welcomes us.
  bus.on('msg:welcome', () => { if (store.state.netLastError) store.set({ netLastError: null }); });

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
      // Too early (close 4425, e.g. a device clock ahead of the server's): say when, keep trying.
      const early = s.netLastError?.code === 'not_open_yet'
        ? `${s.netLastError.message.replace(/\s*Doors open at \S+$/, '')} This page lets you in when it opens. ` : '';
      const tick = () => {
        const left = Math.max(0, Math.ceil(((s.netRetryAt || 0) - Date.now()) / 1000));
        text.textContent = early ? `${early}Trying again${left > 1 ? ` in ${left} s` : '…'}`
          : `Connection lost. Reconnecting${left > 1 ? ` in ${left} s` : '…'} Chat you send now will go out when you're back.`;
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
    const figures = s.net === 'open' ? qualityFigures(s.rtt, s.rtcStats) : '';
    const summary = level === 'poor' ? 'Your connection is slow: video may freeze. Chat still works.' : QUALITY_TEXT[level];
    quality.title = figures ? `${summary} (${figures})` : summary;
  }

  store.watch(['net', 'netRetryAt', 'netLastError'], renderNet);
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
