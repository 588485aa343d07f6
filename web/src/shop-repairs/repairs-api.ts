import type { RepairStatus } from '../../../src/api-types/repairs.ts';

/** How the desk names each status of a repair. */
export const statusNames: Record<RepairStatus, string> = {
  draft: 'Draft',
  received: 'Received',
  diagnosing: 'Diagnosing',
  'waiting-for-parts': 'Waiting for parts',
  repaired: 'Repaired',
  'ready-for-pickup': 'Ready for pickup',
  collected: 'Collected',
};

/** Sends one photo of the device as its own bytes; the server tells its type from them. */
export async function uploadPhoto(repairId: number, file: File): Promise<void> {
  const response = await fetch(`/api/repairs/${repairId}/photos`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': file.type || 'application/octet-stream',
      'x-file-name': encodeURIComponent(file.name),
    },
    body: file,
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => null)) as { detail?: string } | null;
    throw new Error(`${file.name}: ${problem?.detail ?? `the server answered ${response.status}`}`);
  }
}
