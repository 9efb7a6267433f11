import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const AVAILABILITY_FILE = join(__dirname, '..', '..', '.tmp', 'backend-availability.json');

/** The probe results written by global-setup.ts: target name -> reason it is unreachable, or null. */
export function probedAvailability(): Record<string, string | null> {
  if (!existsSync(AVAILABILITY_FILE)) return {};
  return JSON.parse(readFileSync(AVAILABILITY_FILE, 'utf8')) as Record<string, string | null>;
}
