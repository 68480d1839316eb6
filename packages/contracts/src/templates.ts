import { z } from 'zod';

export const TEMPLATE_CHANNELS = ['slack', 'whatsapp', 'email', 'pdf'] as const;
export type TemplateChannel = (typeof TEMPLATE_CHANNELS)[number];

/** `en`, `he`, `he-IL`, `pt-BR`… (BCP 47 language with optional region or script). */
export const LOCALE_PATTERN = '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$';

export const templateSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  channel: z.enum(TEMPLATE_CHANNELS),
  locale: z.string(),
  subject: z.string().nullable(),
  body: z.string(),
  providerRef: z.string().nullable(),
  version: z.number().int(),
  updatedBy: z.uuid().nullable(),
  updatedAt: z.string(),
});
export type Template = z.infer<typeof templateSchema>;

/** PUT /api/v1/templates: creates the (name, channel, locale) template or makes its next version. */
export const putTemplateSchema = z.object({
  name: z.string().regex(/^[a-z0-9_.-]{1,100}$/, 'must be 1-100 of a-z 0-9 _ . -'),
  channel: z.enum(TEMPLATE_CHANNELS),
  locale: z.string().regex(new RegExp(LOCALE_PATTERN), 'must be a locale such as en, he or he-IL'),
  subject: z.string().min(1).max(998).nullable().optional(),
  body: z.string().min(1).max(100_000),
  providerRef: z.string().min(1).max(200).nullable().optional(),
});
export type PutTemplate = z.infer<typeof putTemplateSchema>;

export const templatesQuerySchema = z.object({
  name: z.string().min(1).max(100).optional(),
  channel: z.enum(TEMPLATE_CHANNELS).optional(),
  locale: z.string().min(2).max(35).optional(),
});

/** Languages written right to left: Hebrew, Arabic, Persian, Urdu, Yiddish. */
const RTL_LANGUAGES = new Set(['he', 'ar', 'fa', 'ur', 'yi']);

/** Whether text in this locale (`he`, `he-IL`, `ar-EG`…) is written right to left. */
export function isRtlLocale(locale: string): boolean {
  return RTL_LANGUAGES.has(locale.split(/[-_]/)[0]!.toLowerCase());
}

/** POST /api/v1/templates/preview: renders a template text with sample variables, nothing stored. */
export const templatePreviewRequestSchema = z
  .object({
    channel: z.enum(TEMPLATE_CHANNELS),
    locale: z.string().regex(new RegExp(LOCALE_PATTERN), 'must be a locale such as en, he or he-IL').default('en'),
    subject: z.string().max(998).nullable().optional(),
    body: z.string().min(1).max(100_000),
    variables: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type TemplatePreviewRequest = z.input<typeof templatePreviewRequestSchema>;

export const templatePreviewSchema = z.object({
  subject: z.string().nullable(),
  body: z.string(),
  /** `rtl` for right-to-left locales (isRtlLocale). */
  direction: z.enum(['ltr', 'rtl']),
  /** Variables the text uses that the sample did not give (rendered empty). */
  missingVariables: z.array(z.string()),
});
export type TemplatePreview = z.infer<typeof templatePreviewSchema>;
