/**
 * The stage (presenter video or shared screen) and the video grid of tiles.
 *
 * Your own tile shows your local camera. Other people's tiles show their video
 * once the media module publishes it in `store.remoteStreams` (participant_id →
 * {camera, screen} MediaStreams); until then, an avatar with their initials.
 */
import { $, announce, h, initials } from './dom.js';

const MAX_OTHER_TILES = 11;
const ROLE_RANK = { presenter: 0, moderator: 1, organizer: 2, participant: 3 };

export function mountStage({ store, bus }) {
  const grid = $('#grid');
  const stageVideo = $('#stage-video');
  const stageEmpty = $('#stage-empty');
  const stageCaption = $('#stage-caption');
  const videos = new Map(); // participant_id -> <video>, reused so playback never restarts

  function videoFor(id, stream, { mirror = false } = {}) {
    let video = videos.get(id);
    if (!video) {
      video = h('video', { autoplay: true, playsinline: true, muted: true, class: mirror ? 'mirror' : null, 'aria-hidden': 'true' });
      video.muted = true;
      videos.set(id, video);
    }
    if (video.srcObject !== stream) video.srcObject = stream;
    return video;
  }

  function tile({ id, name, label, detail, stream, mic, hand, mirror, speaking }) {
    const hasVideo = !!stream?.getVideoTracks().some((t) => t.readyState === 'live' && t.enabled);
    return h('li', { class: `tile${hasVideo ? ' has-video' : ''}${hand ? ' has-hand' : ''}${speaking ? ' speaking' : ''}`, dataset: { participantId: id } },
      hasVideo ? videoFor(id, stream, { mirror }) : h('span', { class: 'avatar avatar-lg', 'aria-hidden': 'true' }, initials(name)),
      h('p', { class: 'tile-name' },
        hand ? h('span', { class: 'icon icon-hand raised', role: 'img', 'aria-label': 'hand raised' }) : null,
        mic === false ? h('span', { class: 'icon icon-mic off', role: 'img', 'aria-label': 'muted' }) : null,
        h('span', {}, label), detail ? h('span', { class: 'visually-hidden' }, `, ${detail}`) : null));
  }

  function render(s) {
    const me = s.you?.participant_id;
    const remote = s.remoteStreams || new Map();
    const hands = new Set((s.hands || []).map((x) => x.participant_id));
    const space = s.space || 'plenary';
    const others = [...(s.people || new Map()).values()]
      .filter((p) => p.participant_id !== me && (p.space || 'plenary') === space)
      .sort((a, b) => (!!remote.get(b.participant_id)?.camera - !!remote.get(a.participant_id)?.camera)
        || (ROLE_RANK[a.role] ?? 9) - (ROLE_RANK[b.role] ?? 9) || (b.camera - a.camera) || a.name.localeCompare(b.name));
    const shown = others.slice(0, MAX_OTHER_TILES);
    const tiles = [tile({ id: me, name: s.you?.name || 'You', label: `${s.you?.name || 'You'} (you)`, stream: s.stream,
      mic: s.micOn, hand: hands.has(me), mirror: true, speaking: s.speaking?.has('me') })];
    for (const p of shown) {
      // A camera that is off still has its (silent) track: show the avatar, not a black frame.
      tiles.push(tile({ id: p.participant_id, name: p.name, label: p.name, detail: p.school,
        stream: p.camera === false ? null : remote.get(p.participant_id)?.camera, mic: p.mic,
        hand: hands.has(p.participant_id), speaking: s.speaking?.has(p.participant_id) }));
    }
    if (others.length > shown.length) {
      const more = others.length - shown.length;
      tiles.push(h('li', { class: 'tile tile-more' },
        h('button', { type: 'button', class: 'link', onclick: () => bus.emit('panel:show', 'people') },
          `+${more} more ${more === 1 ? 'person' : 'people'}`)));
    }
    grid.replaceChildren(...tiles);
    // Moving a <video> in the DOM pauses it: resume the ones that were playing.
    for (const video of grid.querySelectorAll('video')) if (video.paused) video.play().catch(() => {});
    grid.dataset.count = String(Math.min(tiles.length, 12));
    for (const id of videos.keys()) if (!grid.querySelector(`[data-participant-id="${id}"] video`)) videos.delete(id);
  }

  /**
   * The stage shows a shared screen first (yours or a presenter's), else a presenter's camera,
   * and says whose and what under it: "Angela Whitfield is sharing their screen".
   */
  function stageOf(s) {
    const remote = s.remoteStreams || new Map();
    if (s.screen) return { stream: s.screen, label: 'Your shared screen', caption: 'You are sharing your screen', key: 'me:screen' };
    for (const [id, streams] of remote) {
      const who = s.people?.get(id)?.name || 'A presenter';
      if (streams.screen) {
        return { stream: streams.screen, label: `${who}'s shared screen`, caption: `${who} is sharing their screen`, key: `${id}:screen` };
      }
    }
    for (const [id, streams] of remote) {
      const person = s.people?.get(id);
      if (streams.camera && person?.role === 'presenter') {
        return { stream: streams.camera, label: `${person.name}, presenting`, caption: `Presenting: ${person.name}'s camera`, key: `${id}:camera` };
      }
    }
    return { stream: null, label: 'Stage video', caption: '', key: '' };
  }

  let shownKey = '';
  function renderStage(s) {
    const { stream, label, caption, key } = stageOf(s);
    if (stageVideo.srcObject !== stream) stageVideo.srcObject = stream;
    stageVideo.hidden = !stream;
    stageVideo.setAttribute('aria-label', label);
    stageCaption.textContent = caption;
    stageCaption.hidden = !caption;
    stageEmpty.hidden = !!stream;
    $('#stage').classList.toggle('live', !!stream);
    // Said once per change of who or what is shown, not on every roster update.
    if (key !== shownKey && caption && key !== 'me:screen') announce(`${caption}.`);
    shownKey = key;
  }

  store.watch(['people', 'you', 'stream', 'camOn', 'micOn', 'hands', 'remoteStreams', 'space', 'speaking'], render);
  store.watch(['screen', 'remoteStreams', 'people'], renderStage);
}
