/**
 * The controls bar (microphone, camera, share screen, panel, leave) and the side
 * panel's tabs. Raise hand lives in hands.js. Your camera/microphone state is
 * reported to the server with `presence.update` on every change and after every
 * (re)connection.
 */
import { $, announce, inlineError } from './dom.js';

function setLabel(button, text, on) {
  $('.control-label', button).textContent = text;
  button.dataset.on = String(on);
}

export function mountControls({ store, bus, net, media, onLeave }) {
  const mic = $('#ctl-mic');
  const cam = $('#ctl-cam');
  const share = $('#ctl-share');
  const shareWhy = $('#share-why');
  const panelButton = $('#ctl-panel');
  const side = $('#side');
  const tabs = [$('#tab-chat'), $('#tab-people')];
  const perms = () => store.state.permissions || [];

  // ---- microphone and camera -------------------------------------------------------
  const sendPresence = () => net.trySend('presence.update', { camera: !!store.state.camOn, mic: !!store.state.micOn }, { queue: false });
  bus.on('net:ready', sendPresence);

  store.watch(['micOn', 'camOn', 'micProblem', 'camProblem'], (s) => {
    setLabel(mic, s.micOn ? 'Mute' : 'Unmute', s.micOn);
    mic.title = s.micProblem ? s.micProblem.message : s.micOn ? 'Mute your microphone' : 'Unmute your microphone';
    setLabel(cam, s.camOn ? 'Stop video' : 'Start video', s.camOn);
    cam.title = s.camProblem ? s.camProblem.message : s.camOn ? 'Turn off your camera' : 'Turn on your camera';
  });

  async function toggleMic(on = !store.state.micOn) {
    await media.setMic(on);
    if (on && !store.state.micOn) inlineError($('#mic-error'), store.state.micProblem?.message || "Your microphone couldn't start.", 0);
    else inlineError($('#mic-error'), '');
    announce(store.state.micOn ? 'Microphone on' : 'Microphone muted');
    sendPresence();
  }
  async function toggleCam() {
    const on = !store.state.camOn;
    await media.setCamera(on);
    if (on && !store.state.camOn) inlineError($('#cam-error'), store.state.camProblem?.message || "Your camera couldn't start.", 0);
    else inlineError($('#cam-error'), '');
    announce(store.state.camOn ? 'Camera on' : 'Camera off');
    sendPresence();
  }
  mic.addEventListener('click', () => toggleMic());
  cam.addEventListener('click', toggleCam);
  bus.on('control:mic', (on) => toggleMic(on));

  // ---- screen sharing ---------------------------------------------------------------
  async function startShare() {
    try {
      const screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      screen.getVideoTracks()[0]?.addEventListener('ended', stopShare);
      store.set({ screen });
      setLabel(share, 'Stop sharing', true);
      announce('You are sharing your screen.');
      bus.emit('media:screen', screen);
    } catch (err) {
      if (err?.name !== 'NotAllowedError' && err?.name !== 'AbortError') {
        inlineError($('#share-error'), "Your screen couldn't be shared in this browser.");
      }
    }
  }
  function stopShare() {
    for (const track of store.state.screen?.getTracks() || []) track.stop();
    store.set({ screen: null });
    setLabel(share, 'Share screen', false);
    bus.emit('media:screen', null);
  }
  bus.on('control:stop-share', stopShare); // e.g. the media server refused the share
  share.addEventListener('click', () => {
    if (!perms().includes('share_screen')) {
      if (shareWhy) {
        shareWhy.hidden = !shareWhy.hidden;
        clearTimeout(shareWhy._timer);
        if (!shareWhy.hidden) {
          announce(shareWhy.textContent);
          shareWhy._timer = setTimeout(() => { shareWhy.hidden = true; }, 6000);
        }
      }
      return;
    }
    if (store.state.screen) stopShare();
    else startShare();
  });
  share.addEventListener('keydown', (event) => { if (event.key === 'Escape' && shareWhy) shareWhy.hidden = true; });
  share.addEventListener('blur', () => { if (shareWhy) shareWhy.hidden = true; });
  store.watch(['permissions'], (s) => {
    const allowed = (s.permissions || []).includes('share_screen');
    if (allowed) share.removeAttribute('aria-disabled');
    else share.setAttribute('aria-disabled', 'true');
  });

  // ---- side panel and its tabs ------------------------------------------------------
  function selectTab(name, { focus = false } = {}) {
    for (const tab of tabs) {
      const selected = tab.id === `tab-${name}`;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      $(`#${tab.getAttribute('aria-controls')}`).hidden = !selected;
      if (selected && focus) tab.focus();
    }
    store.set({ tab: name });
  }
  function setPanel(open) {
    side.hidden = !open;
    document.body.dataset.panel = open ? 'open' : 'closed';
    panelButton.setAttribute('aria-expanded', String(open));
    setLabel(panelButton, open ? 'Hide chat' : 'Chat & people', open);
    store.set({ panelOpen: open });
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener('click', () => selectTab(tab.id.slice(4)));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1, Home: -i, End: tabs.length - 1 - i }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      selectTab(tabs[(i + step + tabs.length) % tabs.length].id.slice(4), { focus: true });
    });
  });
  panelButton.addEventListener('click', () => setPanel(side.hidden));
  bus.on('panel:show', (name) => {
    setPanel(true);
    selectTab(name, { focus: true });
  });
  // Small screens start with the panel closed, so the video gets the room.
  setPanel(!window.matchMedia('(max-width: 48rem)').matches);
  selectTab('chat');

  // ---- leave ----------------------------------------------------------------------
  $('#ctl-leave').addEventListener('click', () => {
    stopShare();
    onLeave();
  });

  return { stopShare };
}
