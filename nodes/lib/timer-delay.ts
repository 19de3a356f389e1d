// The setTimeout delay for something due in `ms`: a little late rather than early (it is due
// when the timer fires), and never beyond setTimeout's limit of 2^31-1 ms (24.8 days), past
// which Node.js fires at once. A timer that fires early for a far-off time just sets the next one.
const MAX_TIMER_MS = 2_147_483_647;

export function timerDelay(ms: number): number {
  return Math.min(Math.max(0, ms) + 5, MAX_TIMER_MS);
}
