import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { alphaPng, cameraJpeg, halves, noise, pixel, pngDeclaring } from '../../../test/support/images';
import { failure, memoryConnectors, runStep, settingsWith, stepContext, temporaryStorage, type SettingsOverrides } from '../../../test/support/providers/in-memory';
import type { ObjectStorage } from '../ports';
import { imageProcessConfigSchema } from './image-process';
import { encodeJpegUnder, VISA_PHOTO } from './transform';

/** image.process on stored sources: real sharp, the real local storage driver in a temp folder. */
function connector(overrides: SettingsOverrides = {}) {
  const { registry, storage } = memoryConnectors(settingsWith(overrides));
  const handler = registry.get('image.process')!;
  const stored = async (body: Buffer, contentType = 'image/jpeg') => (await storage.put({ prefix: 'upload', body, contentType, filename: 'in' })).key;
  const run = async (source: Buffer | string, ops: unknown, more: Record<string, unknown> = {}) => {
    const config = imageProcessConfigSchema.parse({ source: typeof source === 'string' ? source : await stored(source), ops, ...more });
    return (await handler.execute(config, stepContext('photo'))) as { url: string; key: string; width: number; height: number; bytes: number; format: string; quality?: number; expiresAt: string };
  };
  /** The stored output: its bytes, download name and what sharp reads of it. */
  const output = async (key: string) => {
    const file = (await storage.get(key))!;
    return { ...file, meta: await sharp(file.body).metadata() };
  };
  return { registry, handler, stored, run, output };
}

/** No EXIF (camera, GPS), no ICC profile, no XMP or IPTC, no orientation tag. */
const expectStripped = (meta: sharp.Metadata) => expect(Object.keys(meta).filter((k) => ['exif', 'icc', 'xmp', 'iptc', 'orientation'].includes(k))).toEqual([]);

describe('image.process: the visaPhoto preset (issue 12)', () => {
  it('a 12-megapixel camera JPEG becomes a 600×600 sRGB baseline JPEG under 240 KB with no metadata, linked for 24 h', async () => {
    const { run, output } = connector();
    const camera = await cameraJpeg();
    expect(camera.length).toBeGreaterThan(5_000_000);
    expect(await sharp(camera).metadata()).toMatchObject({ width: 4000, height: 3000, exif: expect.any(Buffer), icc: expect.any(Buffer) });
    const result = await run(camera, 'visaPhoto', { filename: 'passport-photo' });
    expect(result).toMatchObject({ width: 600, height: 600, format: 'jpeg', key: expect.stringMatching(/^image\/\d{4}-\d{2}-\d{2}\/[0-9a-f-]{36}\.jpg$/) });
    expect(result.bytes).toBeLessThan(VISA_PHOTO.maxBytes);
    expect(result.url).toMatch(new RegExp(`^http://localhost:3000/files/${result.key}\\?expires=\\d+&signature=`));
    expect(Date.parse(result.expiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const { body, contentType, filename, meta } = await output(result.key);
    expect([body.length, contentType, filename]).toEqual([result.bytes, 'image/jpeg', 'passport-photo.jpg']);
    expect(meta).toMatchObject({ format: 'jpeg', width: 600, height: 600, space: 'srgb', channels: 3, hasAlpha: false, isProgressive: false });
    expectStripped(meta);
  });

  it('a PNG with alpha is flattened on white, and the quality steps down until the photo fits under 240 KB', async () => {
    const { run, output } = connector();
    const result = await run(await alphaPng(600, 100), 'visaPhoto');
    expect(result).toMatchObject({ width: 600, height: 600, format: 'jpeg' });
    // 600×600 of noise is ~270 KB at quality 90: the preset had to step down.
    expect(result.quality).toBeLessThan(90);
    expect(result.bytes).toBeLessThan(VISA_PHOTO.maxBytes);
    const { meta, body } = await output(result.key);
    expect(meta).toMatchObject({ format: 'jpeg', space: 'srgb', hasAlpha: false });
    expectStripped(meta);
    for (const channel of await pixel(body, 40, 40)) expect(channel).toBeGreaterThan(245); // the transparent corner is white
  });

  it('a photo with EXIF orientation 6 comes out upright, without its EXIF', async () => {
    const { run, output } = connector();
    // Stored 1200×800, red above blue; orientation 6 shows it turned a quarter clockwise: 800×1200, blue left, red right.
    const rotated = await halves(1200, 800, '#ff0000', '#0000ff', 6);
    expect(await sharp(rotated).metadata()).toMatchObject({ width: 1200, height: 800, orientation: 6, exif: expect.any(Buffer) });
    const result = await run(rotated, 'visaPhoto');
    const { body, meta } = await output(result.key);
    expect(meta).toMatchObject({ width: 600, height: 600 });
    expectStripped(meta);
    const [left, right] = [await pixel(body, 150, 300), await pixel(body, 450, 300)];
    expect(left[2]).toBeGreaterThan(200);
    expect(left[0]).toBeLessThan(50);
    expect(right[0]).toBeGreaterThan(200);
    expect(right[2]).toBeLessThan(50);
  });

  it('a photo that cannot get under the limit at the lowest quality is a permanent error saying so', async () => {
    const pixels = await noise(600, 600).raw().toBuffer({ resolveWithObject: true });
    const error = await failure(encodeJpegUnder(pixels, 20_000, [60, 50]));
    expect(error.errorClass).toBe('permanent');
    expect(error.message).toMatch(/^image\.process: visaPhoto: the photo is \d+ bytes even at JPEG quality 50, over the limit of 20000 bytes$/);
  });
});

describe('image.process: ops', () => {
  it('resize keeps the aspect with one side given, and runs after the EXIF orientation', async () => {
    const { run } = connector();
    expect(await run(await noise(800, 600).png().toBuffer(), [{ op: 'resize', width: 300 }])).toMatchObject({ width: 300, height: 225, format: 'png' });
    expect(await run(await halves(1200, 800, 'red', 'blue', 6), [{ op: 'resize', width: 300 }])).toMatchObject({ width: 300, height: 450, format: 'jpeg' });
    expect(await run(await noise(800, 600).png().toBuffer(), [{ op: 'resize', width: 200, height: 200, fit: 'inside' }])).toMatchObject({ width: 200, height: 150 });
    // A box in the upright 800×1200 picture (its blue left half); the stored 1200×800 would not hold it.
    const { run: runBox, output } = connector();
    const left = await runBox(await halves(1200, 800, '#ff0000', '#0000ff', 6), [{ op: 'crop', left: 0, top: 0, width: 400, height: 1200 }]);
    expect(left).toMatchObject({ width: 400, height: 1200 });
    const [r, , b] = await pixel((await output(left.key)).body, 390, 10);
    expect([r < 50, b > 200]).toEqual([true, true]);
  });

  it('crop a box, then resize, then crop from the centre; format webp at a quality; the download name gets the extension', async () => {
    const { run, output } = connector();
    const result = await run(
      await halves(800, 600, '#ff0000', '#0000ff'),
      [{ op: 'crop', left: 100, top: 200, width: 400, height: 200 }, { op: 'resize', width: 200 }, { op: 'crop', strategy: 'centre', width: 100, height: 60 }, { op: 'format', format: 'WEBP' }, { op: 'quality', quality: 60 }],
      { filename: 'thumb.png' },
    );
    expect(result).toMatchObject({ width: 100, height: 60, format: 'webp', quality: 60 });
    const { meta, filename, body } = await output(result.key);
    expect([meta.format, meta.width, meta.height, filename]).toEqual(['webp', 100, 60, 'thumb.png.webp']);
    // The box straddled the halves (rows 200–400 of 600; the line at 300): the centre crop keeps both.
    expect((await pixel(body, 50, 5))[0]).toBeGreaterThan(200);
    expect((await pixel(body, 50, 55))[2]).toBeGreaterThan(200);
  });

  it('a lower quality makes a smaller JPEG; avif is written; png passes through as png', async () => {
    const { run } = connector();
    const source = await noise(400, 400).png().toBuffer();
    const high = await run(source, [{ op: 'format', format: 'jpg' }, { op: 'quality', quality: 95 }]);
    const low = await run(source, [{ op: 'format', format: 'jpeg' }, { op: 'quality', quality: 30 }]);
    expect(low.bytes).toBeLessThan(high.bytes / 2);
    expect(await run(source, [{ op: 'resize', width: 64 }, { op: 'format', format: 'avif' }])).toMatchObject({ format: 'avif', width: 64, height: 64, key: expect.stringMatching(/\.avif$/) });
  });

  it('a crop box outside the image, a centre crop larger than it, and quality for png are permanent errors naming them', async () => {
    const { handler, stored } = connector();
    const key = await stored(await noise(800, 600).png().toBuffer(), 'image/png');
    const fail = (ops: unknown) => failure(handler.execute(imageProcessConfigSchema.parse({ source: key, ops }), stepContext()));
    expect(await fail([{ op: 'crop', left: 500, top: 300, width: 400, height: 100 }])).toMatchObject({ errorClass: 'permanent', message: 'image.process: the crop box 400×100 at (500, 300) is outside the 800×600 image' });
    expect(await fail([{ op: 'resize', width: 100 }, { op: 'crop', strategy: 'centre', width: 100, height: 100 }])).toMatchObject({ errorClass: 'permanent', message: 'image.process: a centre crop of 100×100 is outside the 100×75 image' });
    expect(await fail([{ op: 'quality', quality: 50 }])).toMatchObject({ errorClass: 'permanent', message: 'image.process: quality applies to jpeg, webp and avif output, not png' });
  });

  it('bad ops are a permanent invalid-config error at their path', async () => {
    const { registry, stored } = connector();
    const source = await stored(await noise(10, 10).png().toBuffer(), 'image/png');
    const cases: Array<[unknown, string]> = [
      ['sepia', 'config.ops: must be "visaPhoto" or a list of ops'],
      [[{ op: 'blur' }], 'config.ops.0.op'],
      [[{ op: 'resize' }], 'config.ops.0: resize needs width, height or both'],
      [[{ op: 'resize', width: 0 }], 'config.ops.0.width'],
      [[{ op: 'crop', left: 1, width: 5, height: 5 }], 'config.ops.0: crop needs a box'],
      [[{ op: 'crop', strategy: 'centre', left: 1, top: 1, width: 5, height: 5 }], 'config.ops.0: crop needs a box'],
      [[{ op: 'quality', quality: 101 }], 'config.ops.0.quality'],
      [[{ op: 'format', format: 'gif' }], 'config.ops.0.format'],
      [[{ op: 'visaPhoto' }, { op: 'resize', width: 5 }], 'config.ops: visaPhoto is a preset: it comes alone'],
      [[{ op: 'resize', width: 5 }, { op: 'resize', width: 6 }], 'config.ops: at most one resize'],
      [[{ op: 'crop', strategy: 'centre', width: 5, height: 5 }, { op: 'crop', strategy: 'centre', width: 4, height: 4 }], 'config.ops: at most one crop before the resize'],
    ];
    for (const [ops, message] of cases) {
      const outcome = await runStep(registry, 'image.process', { source, ops });
      expect(outcome, JSON.stringify(ops)).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining(`invalid config: ${message}`) } });
    }
    const bad = await runStep(registry, 'image.process', { source: '../../etc/passwd', ops: 'visaPhoto' });
    expect(bad).toMatchObject({ status: 'failed', error: { errorClass: 'permanent', message: expect.stringContaining('config.source: "../../etc/passwd" is neither an http(s) URL nor a storage key') } });
  });
});

describe('image.process: hostile and missing sources', () => {
  it('a decompression bomb (a 1 KB PNG declaring 100000×100000) is refused from its header, as permanent', async () => {
    const { run } = connector();
    const bomb = pngDeclaring(100_000, 100_000);
    expect(bomb.length).toBeLessThan(2_000);
    const error = await failure(run(bomb, 'visaPhoto'));
    expect([error.errorClass, error.message]).toEqual(['permanent', 'image.process: the image is 100000×100000 (10000 megapixels), over the limit of 40 megapixels']);
  });

  it('the pixel limit comes from the settings', async () => {
    const { run } = connector({ image: { maxInputPixels: 1_000_000 } });
    const error = await failure(run(await noise(1200, 1000).png().toBuffer(), [{ op: 'resize', width: 10 }]));
    expect(error.message).toBe('image.process: the image is 1200×1000 (1.2 megapixels), over the limit of 1 megapixels');
    expect(await failure(run(await noise(100, 100).png().toBuffer(), [{ op: 'resize', width: 2000, height: 1000, fit: 'fill' }]))).toMatchObject({
      errorClass: 'permanent',
      message: 'image.process: resizing to 2000×1000 is over the limit of 1 megapixels',
    });
  });

  it('not an image, an SVG, a truncated JPEG: permanent', async () => {
    const { run } = connector();
    expect(await failure(run(Buffer.from('<html>not a photo</html>'), 'visaPhoto'))).toMatchObject({ errorClass: 'permanent', message: expect.stringMatching(/^image\.process: the source is not an image we can read/) });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="file:///etc/passwd"/></svg>');
    expect(await failure(run(svg, 'visaPhoto'))).toMatchObject({ errorClass: 'permanent', message: 'image.process: the source is svg; only JPEG, PNG, WebP, AVIF/HEIF, GIF and TIFF images are read' });
    const jpeg = await noise(800, 600).jpeg().toBuffer();
    expect(await failure(run(jpeg.subarray(0, jpeg.length / 2), 'visaPhoto'))).toMatchObject({ errorClass: 'permanent', message: expect.stringMatching(/^image\.process: the image could not be processed \(.*JPEG/) });
  });

  it('a storage key that holds nothing is permanent', async () => {
    const { run } = connector();
    const missing = 'image/2026-01-01/00000000-0000-4000-8000-000000000000.jpg';
    expect(await failure(run(missing, 'visaPhoto'))).toMatchObject({ errorClass: 'permanent', message: `image.process: no stored file ${missing} (never stored, or deleted after FILE_RETENTION_DAYS)` });
  });

  it('an earlier image.process output is a source (its key)', async () => {
    const { run } = connector();
    const first = await run(await noise(800, 600).png().toBuffer(), [{ op: 'resize', width: 400 }]);
    expect(await run(first.key, [{ op: 'crop', strategy: 'centre', width: 100, height: 100 }, { op: 'format', format: 'jpeg' }])).toMatchObject({ width: 100, height: 100, format: 'jpeg' });
  });
});

describe('image.process: sharp pipelines per process', () => {
  it('runs at most image.concurrency pipelines at once: a second step waits for the first’s slot', async () => {
    const inner = temporaryStorage();
    const bigKey = (await inner.put({ prefix: 'upload', body: await cameraJpeg(), contentType: 'image/jpeg', filename: 'big' })).key;
    const smallKey = (await inner.put({ prefix: 'upload', body: await noise(64, 64).png().toBuffer(), contentType: 'image/png', filename: 'small' })).key;
    const stored: string[] = [];
    let bigRead!: () => void;
    const bigWasRead = new Promise<void>((resolve) => (bigRead = resolve));
    const storage: ObjectStorage = {
      get: async (key) => {
        const file = await inner.get(key);
        if (key === bigKey) bigRead();
        return file;
      },
      put: (input) => (stored.push(input.filename), inner.put(input)),
      signedUrl: (key, ttl) => inner.signedUrl(key, ttl),
      delete: (key) => inner.delete(key),
      deleteStoredBefore: (before) => inner.deleteStoredBefore(before),
    };
    const handler = memoryConnectors(settingsWith({ image: { concurrency: 1 } }), { storage }).registry.get('image.process')!;
    const step = (source: string, ops: unknown, filename: string) => handler.execute(imageProcessConfigSchema.parse({ source, ops, filename }), stepContext(filename));
    const big = step(bigKey, 'visaPhoto', 'big.jpg');
    await bigWasRead;
    // The small one would be done long before the 12-megapixel photo if it did not wait for the slot.
    const small = step(smallKey, [{ op: 'resize', width: 32 }], 'small.png');
    await Promise.all([big, small]);
    expect(stored).toEqual(['big.jpg', 'small.png']);
  });
});
