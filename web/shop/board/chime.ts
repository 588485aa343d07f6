/**
 * The board's chime, generated with Web Audio (no sound file): two soft tones, high then low. A
 * browser that blocks autoplay starts the audio context suspended; the board then shows an
 * "enable sound" button, and one tap resumes it for the rest of the day.
 */
export interface Chime {
  /** Whether sound can play now (the context runs). */
  readonly enabled: () => boolean;
  /** Resumes the context after a tap; resolves to whether sound now plays. */
  enable(): Promise<boolean>;
  /** Plays the chime if sound is enabled; resolves when it has finished. */
  play(): Promise<void>;
  /** Calls back whenever the browser suspends or resumes the sound; answers the unsubscribe. */
  onChange(listener: (enabled: boolean) => void): () => void;
}

type AudioContextClass = typeof AudioContext;

export function createChime(): Chime | null {
  const Ctor: AudioContextClass | undefined =
    window.AudioContext ??
    (window as unknown as { webkitAudioContext?: AudioContextClass }).webkitAudioContext;
  if (!Ctor) return null;
  let context: AudioContext;
  try {
    context = new Ctor();
  } catch {
    return null;
  }
  const tone = (frequency: number, start: number, length: number) => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.4, start + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + length + 0.05);
  };
  return {
    enabled: () => context.state === 'running',
    async enable() {
      try {
        await context.resume();
      } catch {
        // still blocked
      }
      return context.state === 'running';
    },
    onChange(listener) {
      const changed = () => listener(context.state === 'running');
      context.addEventListener('statechange', changed);
      return () => context.removeEventListener('statechange', changed);
    },
    async play() {
      if (context.state !== 'running') return;
      const now = context.currentTime;
      tone(880, now, 0.45);
      tone(660, now + 0.42, 0.7);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
    },
  };
}
