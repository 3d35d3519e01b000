/**
 * Friendly words for protocol errors (the server's `error {code, message, ref}` and
 * the client's own checks before sending), shown inline next to the control used.
 */

const BY_CODE = {
  chat_too_long: (m) => `Message too long. ${m || ''}`.trim(),
  too_large: () => 'Message too long to send.',
  rate_limited: () => "You're sending too fast. Wait a few seconds and try again.",
  forbidden: (m) => (m && /^only /i.test(m) ? m : 'Only moderators can do that.'),
  not_found: () => "That isn't there any more: someone may have just changed it.",
  protocol_version: () => 'Convene was updated. Reload the page to continue.',
  internal: () => 'Something went wrong on our side. Please try again.',
  invalid_message: () => "That couldn't be sent. Please check it and try again.",
  invalid_json: () => "That couldn't be sent. Please reload the page.",
  unknown_type: () => "This action isn't available on this server yet.",
  invalid: () => "That couldn't be sent. Please check it and try again.",
  stale_plan: () => 'Someone changed the plan meanwhile: here is the current one. Please make your change again.',
  room_full: (m) => m || 'That room is full.',
  room_not_open: () => "That breakout room isn't open (it may have just closed).",
  not_in_room: () => "That person is in the plenary, not in a breakout room.",
  illegal_transition: () => "The breakout rooms can't do that right now (they may have just opened or closed).",
  notes_conflict: () => "Your notes edit overlapped someone else's.",
  unavailable: () => "Convene can't reach its database or message service right now. Reconnecting…",
  not_open_yet: (m) => m || "The convening hasn't opened yet.",
};

/** A sentence for a person, from an error message object. */
export function friendly(err) {
  const make = BY_CODE[err?.code];
  return make ? make(err.message) : (err?.message || 'Something went wrong. Please try again.');
}
