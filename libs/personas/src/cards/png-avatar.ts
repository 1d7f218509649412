import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { encodePng } from './png-chunks';

export const AVATAR_SIZE = 256;

/** One colour from the name's hash, so a persona without an image always exports the same picture. */
export function renderAvatarPng(seed: string, size = AVATAR_SIZE): Buffer {
  const [red, green, blue] = colourFor(seed);
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x += 1) {
    row[1 + x * 3] = red;
    row[2 + x * 3] = green;
    row[3 + x * 3] = blue;
  }
  const pixels = Buffer.concat(Array.from({ length: size }, () => row));

  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour (RGB)
  // compression, filter and interlace methods stay 0

  return encodePng([
    { type: 'IHDR', data: header },
    { type: 'IDAT', data: deflateSync(pixels, { level: 9 }) },
    { type: 'IEND', data: Buffer.alloc(0) },
  ]);
}

function colourFor(seed: string): [number, number, number] {
  const digest = createHash('sha256').update(seed, 'utf8').digest();
  const hue = digest.readUInt16BE(0) % 360;
  return hslToRgb(hue, 0.45, 0.55);
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const [r, g, b] =
    hue < 60
      ? [chroma, x, 0]
      : hue < 120
        ? [x, chroma, 0]
        : hue < 180
          ? [0, chroma, x]
          : hue < 240
            ? [0, x, chroma]
            : hue < 300
              ? [x, 0, chroma]
              : [chroma, 0, x];
  return [Math.round((r + m) * 255), Math.round((g + m) * 255), Math.round((b + m) * 255)];
}
