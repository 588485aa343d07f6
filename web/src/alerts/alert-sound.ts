/**
 * The alert tone, made with the Web Audio API (nothing to download): two short notes for an offer
 * of work, one for a new message. Browsers start audio only after the person has used the page, so
 * the context is created (or resumed) on their first click or key press.
 */
let context: AudioContext | null = null;

function audio(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  context ??= new AudioContext();
  if (context.state === 'suspended') void context.resume().catch(() => undefined);
  return context;
}

/** Lets the page play alerts later: call once; it waits for the first click or key press. */
export function unlockAlertSound(): () => void {
  const unlock = () => {
    audio();
    stop();
  };
  const stop = () => {
    window.removeEventListener('pointerdown', unlock);
    window.removeEventListener('keydown', unlock);
  };
  window.addEventListener('pointerdown', unlock);
  window.addEventListener('keydown', unlock);
  return stop;
}

/** Plays the tone for an offer (rising two notes) or a message (one soft note). */
export function playAlertTone(kind: 'offer' | 'message'): void {
  const ctx = audio();
  if (!ctx) return;
  const notes = kind === 'offer' ? [880, 1320] : [660];
  notes.forEach((frequency, index) => {
    const start = ctx.currentTime + index * 0.14;
    const oscillator = ctx.createOscillator();
    const gain = ctx.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.setValueAtTime(frequency, start);
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.25);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(start);
    oscillator.stop(start + 0.27);
  });
}
