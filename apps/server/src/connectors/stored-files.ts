import { z } from 'zod';

/** How long the link in a pdf.generate or image.process output stays valid (SPEC §7). */
export const STEP_LINK_TTL_MS = 24 * 60 * 60 * 1000;

/** A step's download name: it goes into Content-Disposition, so no slashes, quotes or control characters. */
export const downloadFilenameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^/\\"\p{Cc}]+$/u, 'must be a file name (no slashes, quotes or control characters)');
