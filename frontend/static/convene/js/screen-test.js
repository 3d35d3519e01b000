/**
 * The lobby's "Test screen sharing" (presenters only: the button is in the page only for
 * them). Pick a screen or window and see it here, before the day. Nothing is sent: the
 * stream stays on this page, and stops on the second press, when the browser's own "Stop
 * sharing" is used, or when the person joins (a test never follows them into the room).
 */
const button = document.getElementById('screen-test-button');
const status = document.getElementById('screen-test-status');
const preview = document.getElementById('screen-test-preview');
let stream = null;

function stop(message) {
  for (const track of stream?.getTracks() || []) track.stop();
  stream = null;
  preview.srcObject = null;
  preview.hidden = true;
  button.setAttribute('aria-pressed', 'false');
  button.textContent = 'Test screen sharing';
  if (message) status.textContent = message;
}

async function start() {
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (err) {
    status.textContent = err?.name === 'NotAllowedError' || err?.name === 'AbortError'
      ? 'No screen was shared: you cancelled, or the browser is not allowed to share your screen (check its settings).'
      : "Your screen couldn't be shared in this browser.";
    return;
  }
  stream.getVideoTracks()[0]?.addEventListener('ended', () => stop('Screen sharing test stopped.'));
  preview.srcObject = stream;
  preview.hidden = false;
  button.setAttribute('aria-pressed', 'true');
  button.textContent = 'Stop the test';
  status.textContent = 'Screen sharing works: this is what others will see when you share in the meeting. Only you see it now.';
}

if (button && status && preview) {
  if (!navigator.mediaDevices?.getDisplayMedia) {
    button.disabled = true;
    status.textContent = 'This browser cannot share a screen. To present, use a desktop browser such as Chrome, Edge or Firefox.';
  } else {
    button.addEventListener('click', () => (stream ? stop('Screen sharing test stopped.') : start()));
    document.getElementById('join-button')?.addEventListener('click', () => stop(''));
  }
}
