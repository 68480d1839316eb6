import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import sharp from 'sharp';

/** Test images, made with sharp itself. Noise makes them big: photos do not compress like flat colour. */

export const noise = (width: number, height: number, channels: 3 | 4 = 3) => sharp(randomBytes(width * height * channels), { raw: { width, height, channels } });

/** A 12-megapixel camera JPEG (4000×3000, ~12 MB of noise) with a camera's EXIF and a Display P3 profile. */
export const cameraJpeg = () =>
  noise(4000, 3000)
    .withIccProfile('p3')
    .withExif({ IFD0: { Make: 'VisAPI', Model: 'Test Camera' } })
    .jpeg({ quality: 95 })
    .toBuffer();

/** Noise whose top-left corner (`corner`×`corner`) is fully transparent, the rest opaque. */
export async function alphaPng(side: number, corner: number): Promise<Buffer> {
  const pixels = randomBytes(side * side * 4);
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) pixels[(y * side + x) * 4 + 3] = x < corner && y < corner ? 0 : 255;
  return sharp(pixels, { raw: { width: side, height: side, channels: 4 } }).png().toBuffer();
}

/** Two flat halves, top and bottom, as stored; `orientation` goes in the EXIF. */
export async function halves(width: number, height: number, top: string, bottom: string, orientation?: number): Promise<Buffer> {
  const half = (colour: string) => sharp({ create: { width, height: height / 2, channels: 3, background: colour } }).png().toBuffer();
  const image = sharp({ create: { width, height, channels: 3, background: top } }).composite([{ input: await half(bottom), left: 0, top: height / 2 }]);
  const stored = await image.jpeg({ quality: 90 }).toBuffer();
  return orientation === undefined ? stored : sharp(stored).withMetadata({ orientation }).jpeg({ quality: 90 }).toBuffer();
}

/** A decompression bomb: a ~1 KB PNG whose header declares width × height grey pixels. */
export function pngDeclaring(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth; colour type 0 (grey), no interlace
  const rows = zlib.deflateSync(Buffer.alloc((width + 1) * 8));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]);
}

/** The RGB of one pixel of an encoded image. */
export async function pixel(image: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(image).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at]!, data[at + 1]!, data[at + 2]!];
}
