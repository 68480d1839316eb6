import { Paper, Stack, Text, Title } from '@mantine/core';
import type { TemplateChannel, TemplatePreview } from '@visapi/contracts';
import { pdfDocument } from '@visapi/contracts/pdf-document';

interface Props {
  channel: TemplateChannel;
  locale: string;
  preview: TemplatePreview | undefined;
  /** Why there is no preview: no body yet, the text does not render, bad sample variables. */
  unavailable?: string;
}

/**
 * The rendered draft, never interpreted as markup: chat and e-mail texts as plain text, a PDF's
 * HTML in an iframe sandboxed to nothing (no scripts, no same-origin, no forms).
 */
export function TemplatePreviewPane({ channel, locale, preview, unavailable }: Props) {
  return (
    <Stack gap="xs" aria-labelledby="template-preview-title" component="section">
      <Title order={4} id="template-preview-title">
        Preview
      </Title>
      {!preview || unavailable ? (
        <Text size="sm" c="dimmed">
          {unavailable ?? 'Rendering…'}
        </Text>
      ) : (
        <Paper withBorder p="sm" role="region" aria-label="Rendered preview" dir={preview.direction} lang={locale}>
          {preview.subject !== null && (
            <Text size="sm" fw={600} mb="xs">
              <span dir="ltr" lang="en">
                Subject:
              </span>{' '}
              {preview.subject}
            </Text>
          )}
          {channel === 'pdf' ? (
            <iframe
              title="PDF preview (HTML, sandboxed: scripts do not run)"
              sandbox=""
              srcDoc={pdfDocument(preview.body, locale, PREVIEW_POLICY)}
              style={{ width: '100%', height: 420, border: 0, background: 'white' }}
            />
          ) : (
            <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
              {preview.body}
            </Text>
          )}
        </Paper>
      )}
      {preview && !unavailable && preview.missingVariables.length > 0 && (
        <Text size="sm" c="dimmed">
          Rendered empty (not in the sample): {preview.missingVariables.join(', ')}
        </Text>
      )}
    </Stack>
  );
}

/** What the preview may load: nothing from the network (as the PDF renderer allows only `data:`), inline styles. The document is pdf.generate's own (pdfDocument). */
const PREVIEW_POLICY = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'">`;
