import { Box, Button, Group, SegmentedControl, Text } from '@mantine/core';
import { useEffect, useMemo, useState } from 'react';
import type { DefinitionFormat } from './definition-validation';
import { loadedYamlText, loadYamlText } from './load-yaml';

interface Props {
  definition: unknown;
  format: DefinitionFormat;
  onFormatChange: (format: DefinitionFormat) => void;
  /** Given to admins: opens the editor. */
  onEdit?: () => void;
  /** The editor's chunk is loading. */
  opening?: boolean;
}

const FORMATS = [
  { value: 'json', label: 'JSON' },
  { value: 'yaml', label: 'YAML' },
];

/**
 * The definition as read: pretty-printed JSON, or YAML once its printer has loaded. Light on
 * purpose (no CodeMirror, no schema): it is what everyone sees first, and all a viewer or
 * operator ever sees. Sized like the editor, which replaces it, so nothing moves.
 */
export function DefinitionView({ definition, format: wanted, onFormatChange, onEdit, opening = false }: Props) {
  const [yamlText, setYamlText] = useState(loadedYamlText);
  const [yamlError, setYamlError] = useState<Error>();
  const format: DefinitionFormat = wanted === 'yaml' && yamlText ? 'yaml' : 'json';
  const text = useMemo(() => (format === 'yaml' ? yamlText!.print(definition) : JSON.stringify(definition, null, 2)), [format, yamlText, definition]);

  useEffect(() => {
    if (wanted !== 'yaml' || yamlText) return;
    let current = true;
    loadYamlText().then(
      (loaded) => current && setYamlText(() => loaded),
      (error: Error) => current && setYamlError(error),
    );
    return () => {
      current = false;
    };
  }, [wanted, yamlText]);

  return (
    <section aria-labelledby="definition-title">
      <Group justify="space-between" mb="xs">
        <Group gap="sm">
          <Text id="definition-title" fw={600}>
            Definition
          </Text>
          <SegmentedControl size="xs" aria-label="Definition format" value={wanted} onChange={(value) => onFormatChange(value as DefinitionFormat)} data={FORMATS} />
        </Group>
        {onEdit && (
          <Button size="xs" variant="default" loading={opening} onClick={onEdit}>
            Edit definition
          </Button>
        )}
      </Group>
      <Text size="xs" c="dimmed" mb={4}>
        {yamlError ? `YAML could not load (${yamlError.message}); shown as JSON.` : onEdit ? 'Saved as JSON whichever format you edit.' : 'Read-only: only an admin can change the definition.'}
      </Text>
      <Box
        component="pre"
        role="region"
        aria-label={`Workflow definition (${format === 'json' ? 'JSON' : 'YAML'}), read-only`}
        tabIndex={0}
        m={0}
        style={{
          // As CodeMirror draws it (CodeEditor.tsx): same box, font, line height and wrapping.
          minHeight: 240,
          maxHeight: '70vh',
          overflow: 'auto',
          boxSizing: 'border-box',
          padding: '4px 6px',
          fontFamily: 'var(--mantine-font-family-monospace)',
          fontSize: 13,
          lineHeight: 1.4,
          whiteSpace: 'pre-wrap',
          overflowWrap: 'anywhere',
          border: '1px solid var(--mantine-color-default-border)',
          borderRadius: 'var(--mantine-radius-md)',
        }}
      >
        {text}
      </Box>
    </section>
  );
}
