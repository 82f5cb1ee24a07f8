// Test-only helpers for the data readers' fixtures (not exported from the package).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import sharp from 'sharp';

/** Writes a `width x height` PNG filled with one RGB colour; returns the path. */
export async function writeSolidPng(path: string, rgb: [number, number, number], width = 4, height = 4): Promise<string> {
  mkdirSync(dirname(path), { recursive: true });
  const raw = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) raw.set(rgb, p * 3);
  await sharp(raw, { raw: { width, height, channels: 3 } }).png().toFile(path);
  return path;
}

/** Encodes a solid-colour PNG to bytes. */
export async function solidPngBytes(rgb: [number, number, number], width = 4, height = 4): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let p = 0; p < width * height; p++) raw.set(rgb, p * 3);
  return sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
