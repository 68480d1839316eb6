import type sharp from 'sharp';
import type { Sharp } from 'sharp';
import { permanent } from '../../engine/errors';

export const OUTPUT_FORMATS = ['jpeg', 'png', 'webp', 'avif'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;

export type ImageOp =
  | { op: 'resize'; width?: number; height?: number; fit?: (typeof FITS)[number] }
  | { op: 'crop'; strategy?: 'centre'; left?: number; top?: number; width: number; height: number }
  | { op: 'format'; format: OutputFormat }
  | { op: 'quality'; quality: number }
  | { op: 'visaPhoto' };

/** The visa-photo preset: a 600×600 baseline JPEG under 240 KB (240,000 bytes, so under either kind of KB). */
export const VISA_PHOTO = { side: 600, maxBytes: 240_000, qualities: [90, 85, 80, 75, 70, 65, 60, 55, 50] } as const;

let loaded: Promise<typeof sharp> | undefined;

/**
 * sharp and libvips (≈ 20 MB of RSS) load on the first image step, not in every process that
 * imports the connectors (the gateway never runs a step). A worker where they cannot load (a
 * missing or mismatched native build) fails the step as permanent, saying so: the same worker
 * would fail every retry; once it is fixed, the run can be replayed from the DLQ.
 */
function sharpLib(): Promise<typeof sharp> {
  return (loaded ??= import('sharp').then(
    ({ default: lib }) => {
      // libvips' operation cache keeps recent decodes (up to ~50 MB and 100 files) for reuse; each
      // image here is decoded once, so it would only hold memory between steps.
      lib.cache(false);
      return lib;
    },
    (error: unknown) => {
      throw permanent(`image.process: the image library (sharp) could not be loaded on this worker (${(error as Error).message})`, error);
    },
  ));
}

/** What sharp decodes from untrusted sources: the photo formats. Never SVG, PDF or the exotic loaders. */
const INPUT_FORMATS = new Set(['jpeg', 'png', 'webp', 'heif', 'gif', 'tiff']);
const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

export interface Processed {
  body: Buffer;
  format: OutputFormat;
  width: number;
  height: number;
  quality?: number;
}

interface Source {
  body: Buffer;
  format: string;
  /** As displayed: after the EXIF orientation. */
  width: number;
  height: number;
}

/**
 * Reads the header only (no pixels are decoded): the format, sniffed from the bytes whatever the
 * server said, and the size, so an image over the pixel limit — a decompression bomb declares a
 * huge size in a tiny file — is refused before any decoding.
 */
export async function inspect(body: Buffer, maxPixels: number): Promise<Source> {
  const lib = await sharpLib();
  let meta: sharp.Metadata;
  try {
    meta = await lib(body, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw permanent(`image.process: the source is not an image we can read (${(error as Error).message})`, error);
  }
  if (!INPUT_FORMATS.has(meta.format)) throw permanent(`image.process: the source is ${meta.format}; only JPEG, PNG, WebP, AVIF/HEIF, GIF and TIFF images are read`);
  if (meta.width * meta.height > maxPixels) {
    throw permanent(`image.process: the image is ${meta.width}×${meta.height} (${megapixels(meta.width * meta.height)} megapixels), over the limit of ${megapixels(maxPixels)} megapixels`);
  }
  return { body, format: meta.format, width: meta.autoOrient.width, height: meta.autoOrient.height };
}

/** Runs the ops on an inspected source: a crop that does not fit the image, or a quality for PNG, is a permanent error. */
export async function transform(source: Source, ops: ImageOp[], maxPixels: number): Promise<Processed> {
  if (ops.some((o) => o.op === 'visaPhoto')) return visaPhoto(source, maxPixels);
  let image = open(await sharpLib(), source.body, maxPixels);
  let format: OutputFormat = defaultFormat(source.format);
  let quality: number | undefined;
  let { width, height } = source;
  for (const op of ops) {
    if (op.op === 'crop') {
      const box = cropBox(op, width, height);
      image = image.extract(box); // before the resize when it comes first, after it otherwise (the schema allows one of each)
      ({ width, height } = box);
    } else if (op.op === 'resize') {
      ({ width, height } = resizedSize(op, width, height));
      if (width * height > maxPixels) throw permanent(`image.process: resizing to ${width}×${height} is over the limit of ${megapixels(maxPixels)} megapixels`);
      image = image.resize({ width: op.width, height: op.height, fit: op.fit ?? 'cover', background: WHITE });
    } else if (op.op === 'format') format = op.format;
    else if (op.op === 'quality') quality = op.quality;
  }
  if (quality !== undefined && format === 'png') throw permanent('image.process: quality applies to jpeg, webp and avif output, not png');
  if (format === 'jpeg') image = image.flatten({ background: WHITE });
  const { data, info } = await decoded(encode(image.toColourspace('srgb'), format, quality).toBuffer({ resolveWithObject: true }));
  return { body: data, format, width: info.width, height: info.height, quality };
}

/** Upright (EXIF orientation), alpha on white, 600×600 cover from the centre, sRGB, no metadata, the best quality under 240 KB. */
async function visaPhoto(source: Source, maxPixels: number): Promise<Processed> {
  const side = VISA_PHOTO.side;
  const pixels = await decoded(
    open(await sharpLib(), source.body, maxPixels).flatten({ background: WHITE }).resize(side, side, { fit: 'cover', position: 'centre' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }),
  );
  return encodeJpegUnder(pixels, VISA_PHOTO.maxBytes, VISA_PHOTO.qualities);
}

/** Encodes decoded pixels as baseline JPEG at each quality in turn until one is under maxBytes. */
export async function encodeJpegUnder(pixels: { data: Buffer; info: sharp.OutputInfo }, maxBytes: number, qualities: readonly number[]): Promise<Processed> {
  const { width, height, channels } = pixels.info;
  const lib = await sharpLib();
  let smallest = Infinity;
  for (const quality of qualities) {
    const body = await lib(pixels.data, { raw: { width, height, channels } })
      .jpeg({ quality, progressive: false, trellisQuantisation: true, overshootDeringing: true, optimiseCoding: true })
      .toBuffer();
    if (body.length < maxBytes) return { body, format: 'jpeg', width, height, quality };
    smallest = Math.min(smallest, body.length);
  }
  throw permanent(`image.process: visaPhoto: the photo is ${smallest} bytes even at JPEG quality ${qualities.at(-1)}, over the limit of ${maxBytes} bytes`);
}

function open(lib: typeof sharp, body: Buffer, maxPixels: number): Sharp {
  // autoOrient first, so crop boxes and sizes mean what a viewer sees; output keeps no metadata (EXIF GPS, camera) by default.
  return lib(body, { limitInputPixels: maxPixels, autoOrient: true, failOn: 'warning' });
}

/** A decoding failure (a truncated or corrupt image) is the source's fault: permanent. */
async function decoded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw permanent(`image.process: the image could not be processed (${(error as Error).message})`, error);
  }
}

function encode(image: Sharp, format: OutputFormat, quality: number | undefined): Sharp {
  if (format === 'jpeg') return image.jpeg({ quality: quality ?? 85, progressive: false, optimiseCoding: true });
  if (format === 'webp') return image.webp({ quality: quality ?? 80 });
  if (format === 'avif') return image.avif({ quality: quality ?? 50 });
  return image.png({ compressionLevel: 9 });
}

function defaultFormat(input: string): OutputFormat {
  if (input === 'jpeg' || input === 'webp') return input;
  return input === 'heif' ? 'avif' : 'png';
}

function cropBox(op: Extract<ImageOp, { op: 'crop' }>, width: number, height: number) {
  const box = op.strategy === 'centre' ? { left: Math.floor((width - op.width) / 2), top: Math.floor((height - op.height) / 2), width: op.width, height: op.height } : { left: op.left!, top: op.top!, width: op.width, height: op.height };
  if (box.left < 0 || box.top < 0 || box.left + box.width > width || box.top + box.height > height) {
    const shown = op.strategy === 'centre' ? `a centre crop of ${op.width}×${op.height}` : `the crop box ${op.width}×${op.height} at (${op.left}, ${op.top})`;
    throw permanent(`image.process: ${shown} is outside the ${width}×${height} image`);
  }
  return box;
}

/** The size sharp's resize gives (used to check a later crop and the pixel limit before any work). */
function resizedSize(op: Extract<ImageOp, { op: 'resize' }>, width: number, height: number): { width: number; height: number } {
  const fit = op.fit ?? 'cover';
  if (op.width !== undefined && op.height !== undefined && (fit === 'cover' || fit === 'contain' || fit === 'fill')) return { width: op.width, height: op.height };
  const scales = [op.width !== undefined ? op.width / width : undefined, op.height !== undefined ? op.height / height : undefined].filter((s) => s !== undefined);
  const scale = fit === 'outside' ? Math.max(...scales) : Math.min(...scales);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

const megapixels = (pixels: number) => String(Math.round(pixels / 100_000) / 10);
