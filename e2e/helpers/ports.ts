// Ports for the emulators the tests start, which take a port number, not 0. Below Linux's ephemeral
// range (32768–60999), where the kernel picks the local port of every outgoing connection and of
// servers that ask for any port: a number from there may be taken by the time an emulator binds it.
// Each emulator draws from a band of its own, so two started side by side never pick the same one.
const BANDS = { dynamodb: 0, firestore: 1, cosmos: 2, azurite: 3, gcs: 4 } as const;
const BAND_WIDTH = 2500;

export function emulatorPort(emulator: keyof typeof BANDS): number {
  return 20_000 + BANDS[emulator] * BAND_WIDTH + Math.floor(Math.random() * BAND_WIDTH);
}
