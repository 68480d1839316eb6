import { Alert, Button, Group, NativeSelect, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { type ProblemFieldError } from '@visapi/contracts/problem';
import { isRtlLocale, putTemplateSchema, TEMPLATE_CHANNELS, type PutTemplate, type Template, type TemplateChannel, type TemplatePreviewRequest } from '@visapi/contracts/templates';
import { type ReactNode, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { usePutTemplate, useTemplatePreview } from '../../api/templates';
import { ErrorAlert } from '../../components/QueryState';
import { formatDateTime } from '../../lib/format';
import { parseSample, sampleText, withMissing } from './sample-variables';
import { TemplatePreviewPane } from './TemplatePreviewPane';

export const CHANNEL_LABELS: Record<TemplateChannel, string> = { slack: 'Slack', whatsapp: 'WhatsApp', email: 'E-mail', pdf: 'PDF' };

/** How long typing pauses before the server checks the Liquid and renders the preview. */
const CHECK_DELAY_MS = 300;

interface Draft {
  name: string;
  channel: TemplateChannel;
  locale: string;
  subject: string;
  body: string;
  providerRef: string;
}

const draftOf = (t?: Template): Draft => ({
  name: t?.name ?? '',
  channel: t?.channel ?? 'slack',
  locale: t?.locale ?? 'en',
  subject: t?.subject ?? '',
  body: t?.body ?? '',
  providerRef: t?.providerRef ?? '',
});

/**
 * One template's text (or a new one's): Liquid checked by the server as you type, a preview
 * with sample variables beside it, right to left for Hebrew and Arabic; Save stores a new
 * version (or the template, when name, channel and locale are new).
 */
export function TemplateEditor({ template, onClose }: { template?: Template; onClose: () => void }) {
  const [draft, setDraft] = useState(() => draftOf(template));
  const [sample, setSample] = useState('{}');
  const [sampleEdited, setSampleEdited] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const put = usePutTemplate();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const update = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    if (put.isSuccess) put.reset();
  };
  const errors = fieldErrors(draft);
  const sampleParse = useMemo(() => parseSample(sample), [sample]);
  const sampleVariables = sampleParse.ok ? sampleParse.variables : undefined;
  const { channel, locale, subject, body } = draft;
  const request = useMemo<TemplatePreviewRequest | undefined>(
    () =>
      body === '' || errors.locale || !sampleVariables
        ? undefined
        : { channel, locale, subject: channel === 'email' ? subject || null : null, body, variables: sampleVariables },
    [channel, locale, subject, body, errors.locale, sampleVariables],
  );
  const [checked] = useDebouncedValue(request, CHECK_DELAY_MS);
  const preview = useTemplatePreview(checked);

  // Until the admin writes their own sample, it follows the variables the text uses.
  const missing = preview.data?.missingVariables;
  useEffect(() => {
    if (sampleEdited || !missing || !sampleVariables) return;
    const next = withMissing(sampleVariables, missing);
    if (next) setSample(sampleText(next));
  }, [missing, sampleEdited, sampleVariables]);

  const textErrors = preview.error instanceof ApiError && preview.error.status === 422 ? (preview.error.problem?.errors ?? []) : [];
  const otherPreviewError = preview.error && textErrors.length === 0 ? preview.error : undefined;
  // The server says with each preview; until the first one, the same rule.
  const direction = preview.data?.direction ?? (isRtlLocale(locale) ? 'rtl' : 'ltr');
  const lang = errors.locale ? undefined : locale;

  const save = () => {
    setAttempted(true);
    if (Object.values(errors).some(Boolean)) return;
    const payload: PutTemplate = {
      name: draft.name,
      channel: draft.channel,
      locale: draft.locale,
      subject: draft.channel === 'email' ? draft.subject : null,
      body: draft.body,
      providerRef: draft.channel === 'whatsapp' && draft.providerRef !== '' ? draft.providerRef : null,
    };
    put.mutate(payload);
  };
  const shown = (field: keyof Draft) => (attempted || draft[field] !== '' ? errors[field] : undefined);

  return (
    <Stack component="section" aria-labelledby="template-editor-title" gap="sm">
      <Group justify="space-between">
        <Title order={3} id="template-editor-title" ref={heading} tabIndex={-1}>
          {template ? `Edit ${template.name} (${CHANNEL_LABELS[template.channel]}, ${template.locale})` : 'New template'}
        </Title>
        <Group gap="xs">
          <Button variant="default" onClick={onClose}>
            Close editor
          </Button>
          <Button onClick={save} loading={put.isPending}>
            Save
          </Button>
        </Group>
      </Group>
      {template && (
        <Text size="sm" c="dimmed">
          Version {template.version}, updated {formatDateTime(template.updatedAt)}. Saving stores the next version; a new name, channel or locale makes a new template.
        </Text>
      )}
      {put.data && (
        <Alert color="green" role="status" title={put.data.version === 1 ? 'Template created' : 'New version saved'}>
          {put.data.name} ({CHANNEL_LABELS[put.data.channel]}, {put.data.locale}) is at version {put.data.version}.
        </Alert>
      )}
      {put.error && <ErrorAlert title="Not saved" error={put.error} />}
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Stack gap="sm">
          <Group grow align="flex-start">
            <TextInput label="Name" required value={draft.name} onChange={(e) => update({ name: e.currentTarget.value })} error={shown('name')} spellCheck={false} />
            <NativeSelect
              label="Channel"
              value={draft.channel}
              onChange={(e) => update({ channel: e.currentTarget.value as TemplateChannel })}
              data={TEMPLATE_CHANNELS.map((c) => ({ value: c, label: CHANNEL_LABELS[c] }))}
            />
            <TextInput label="Locale" required value={draft.locale} onChange={(e) => update({ locale: e.currentTarget.value })} error={shown('locale')} spellCheck={false} />
          </Group>
          {draft.channel === 'email' && (
            <TextInput
              label="Subject"
              required
              value={draft.subject}
              onChange={(e) => update({ subject: e.currentTarget.value })}
              error={shown('subject') ?? textErrorsAt(textErrors, '$.subject')}
              dir={direction}
              lang={lang}
            />
          )}
          {draft.channel === 'whatsapp' && (
            <TextInput
              label="Provider template or flow id"
              description="The WhatsApp provider's template (Meta) or flow (cgb) this template maps to."
              value={draft.providerRef}
              onChange={(e) => update({ providerRef: e.currentTarget.value })}
              spellCheck={false}
            />
          )}
          <Textarea
            label="Body (Liquid)"
            description={draft.channel === 'pdf' ? 'HTML with Liquid, rendered to PDF.' : 'Plain text with Liquid: {{ name }}, {% if %}…{% endif %}.'}
            required
            value={draft.body}
            onChange={(e) => update({ body: e.currentTarget.value })}
            error={shown('body') ?? textErrorsAt(textErrors, '$.body')}
            autosize
            minRows={8}
            maxRows={30}
            spellCheck={false}
            dir={direction}
            lang={lang}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
          />
          {otherPreviewError && <ErrorAlert title="Cannot check the template" error={otherPreviewError} />}
        </Stack>
        <Stack gap="sm">
          <Textarea
            label="Sample variables (JSON)"
            description="The values the preview renders with."
            value={sample}
            onChange={(e) => {
              setSample(e.currentTarget.value);
              setSampleEdited(true);
            }}
            error={sampleParse.ok ? undefined : sampleParse.message}
            autosize
            minRows={3}
            maxRows={12}
            spellCheck={false}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
          />
          {sampleEdited && sampleVariables && missing && withMissing(sampleVariables, missing) && (
            <Button variant="default" size="xs" w="fit-content" onClick={() => setSample(sampleText(withMissing(sampleVariables, missing)!))}>
              Add the missing variables to the sample
            </Button>
          )}
          <TemplatePreviewPane channel={draft.channel} locale={locale} preview={preview.data} unavailable={unavailable(draft.body, !!errors.locale, sampleParse.ok, textErrors.length > 0, !!otherPreviewError)} />
        </Stack>
      </SimpleGrid>
    </Stack>
  );
}

function fieldErrors(draft: Draft): Partial<Record<keyof Draft, string>> {
  const issue = (result: { success: boolean; error?: { issues: { message: string }[] } }) => (result.success ? undefined : result.error?.issues[0]?.message);
  return {
    name: draft.name === '' ? 'required' : issue(putTemplateSchema.shape.name.safeParse(draft.name)),
    locale: draft.locale === '' ? 'required' : issue(putTemplateSchema.shape.locale.safeParse(draft.locale)),
    subject: draft.channel === 'email' && draft.subject === '' ? 'required for e-mail templates' : undefined,
    body: draft.body === '' ? 'required' : undefined,
  };
}

/** The Liquid errors in one text, each with where it is: shown under its field. */
function textErrorsAt(errors: ProblemFieldError[], path: string): ReactNode {
  const here = errors.filter((e) => e.path === path);
  if (here.length === 0) return undefined;
  return here.map((e) => (
    <span key={`${e.line}:${e.column}:${e.message}`} style={{ display: 'block' }}>
      {e.line !== undefined ? `Line ${e.line}${e.column !== undefined ? `, column ${e.column}` : ''}: ` : ''}
      {/* Liquid ends its messages with ", line:2, col:10": said once, in words, before. */}
      {e.line !== undefined ? e.message.replace(/,? line:\d+, col:\d+/, '') : e.message}
    </span>
  ));
}

function unavailable(body: string, badLocale: boolean, sampleOk: boolean, textError: boolean, otherError: boolean): string | undefined {
  if (body === '') return 'Write a body to see it rendered.';
  if (badLocale) return 'Give a locale such as en, he or he-IL to see it rendered.';
  if (!sampleOk) return 'Fix the sample variables to see it rendered.';
  if (textError) return 'The template does not render: see the errors under the editor.';
  if (otherError) return 'The preview is not available.';
  return undefined;
}
