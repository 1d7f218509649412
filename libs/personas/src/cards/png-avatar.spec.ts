import { inflateSync } from 'node:zlib';
import { AVATAR_SIZE, renderAvatarPng } from './png-avatar';
import { PNG_SIGNATURE, readPngChunks } from './png-chunks';

/** Decodes the avatar the way a viewer would (8-bit RGB, filter 0 rows) and returns its distinct colours. */
function decode(png: Buffer): { width: number; height: number; colours: Set<string> } {
  const chunks = readPngChunks(png);
  const header = chunks[0].data;
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  expect([header[8], header[9], header[10], header[11], header[12]]).toEqual([8, 2, 0, 0, 0]);
  const pixels = inflateSync(
    Buffer.concat(chunks.filter((chunk) => chunk.type === 'IDAT').map((chunk) => chunk.data)),
  );
  const stride = 1 + width * 3;
  expect(pixels.length).toBe(height * stride);
  const colours = new Set<string>();
  for (let y = 0; y < height; y += 1) {
    expect(pixels[y * stride]).toBe(0);
    for (let x = 0; x < width; x += 1)
      colours.add(pixels.subarray(y * stride + 1 + x * 3, y * stride + 4 + x * 3).toString('hex'));
  }
  return { width, height, colours };
}

describe('renderAvatarPng', () => {
  it('is a valid 256×256 RGB PNG of one colour', () => {
    const png = renderAvatarPng('Seraphina');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(readPngChunks(png).map((chunk) => chunk.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const image = decode(png);
    expect(image).toMatchObject({ width: AVATAR_SIZE, height: AVATAR_SIZE });
    expect(image.colours.size).toBe(1);
    expect(png.length).toBeLessThan(4096);
  });

  it('gives the same name the same picture, and different names different colours', () => {
    expect(renderAvatarPng('Aria')).toEqual(renderAvatarPng('Aria'));
    const colours = new Set(
      ['Aria', 'Bram', 'Cato', 'Dara', 'Eli'].map((name) => [...decode(renderAvatarPng(name, 2)).colours][0]),
    );
    expect(colours.size).toBeGreaterThan(1);
  });
});
