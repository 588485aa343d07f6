/** The new-message sound: a short two-tone beep made with WebAudio (no audio file to load). */

let audio: AudioContext | null = null;

/** Creates the audio context during a visitor's gesture, so a later beep is allowed to play. */
export function primeSound(): void {
  if (audio || typeof AudioContext !== 'function') return;
  try {
    audio = new AudioContext();
  } catch {
    audio = null;
  }
}

let lastAt = 0;

/** Plays the beep; several messages arriving together make one sound. */
export function beep(): void {
  if (Date.now() - lastAt < 2000) return;
  lastAt = Date.now();
  if (!audio) primeSound();
  if (!audio) return;
  if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
  const start = audio.currentTime + 0.01;
  for (const [offset, frequency] of [
    [0, 880],
    [0.12, 1320],
  ] as const) {
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.11);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.12);
  }
}
