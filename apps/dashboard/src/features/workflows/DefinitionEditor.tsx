import { Alert, Button, Group, List, Text, Textarea, useComputedColorScheme } from '@mantine/core';
import { useDeferredValue, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { checkDefinition } from './definition-validation';

interface Props {
  initial: unknown;
  canEdit: boolean;
  saving: boolean;
  saveError: unknown;
  onSave: (definition: unknown) => void;
}

/** The definition as JSON, checked against the schema as you type; admins save a new version. */
export function DefinitionEditor({ initial, canEdit, saving, saveError, onSave }: Props) {
  const original = useMemo(() => JSON.stringify(initial, null, 2), [initial]);
  // A shade per scheme that keeps WCAG AA contrast on its background.
  const validColor = useComputedColorScheme('light') === 'dark' ? 'teal.4' : 'teal.9';
  const [text, setText] = useState(original);
  const deferred = useDeferredValue(text);
  const check = useMemo(() => checkDefinition(deferred), [deferred]);
  const changed = text !== original;
  const serverProblems = saveError instanceof ApiError ? (saveError.problem?.errors ?? []) : [];

  return (
    <section aria-labelledby="definition-title">
      <Group justify="space-between" mb="xs">
        <Text id="definition-title" fw={600}>
          Definition
        </Text>
        {canEdit && (
          <Group gap="xs">
            <Button variant="default" size="xs" disabled={!changed || saving} onClick={() => setText(original)}>
              Discard changes
            </Button>
            <Button size="xs" disabled={!changed || !check.ok} loading={saving} onClick={() => check.ok && onSave(check.definition)}>
              Save as new version
            </Button>
          </Group>
        )}
      </Group>
      {check.ok ? (
        <Text size="sm" c={validColor} mb="xs" role="status">
          Valid definition{changed ? ' — not saved yet' : ''}
        </Text>
      ) : (
        <Alert color="red" mb="xs" title={`${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}`} role="status">
          <List size="sm">
            {check.problems.map((p) => (
              <List.Item key={`${p.path} ${p.message}`}>
                <code>{p.path}</code> {p.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {saveError instanceof Error && (
        <Alert color="red" mb="xs" title="Not saved">
          {saveError.message}
          {serverProblems.length > 0 && (
            <List size="sm" mt="xs">
              {serverProblems.map((p) => (
                <List.Item key={`${p.path} ${p.message}`}>
                  <code>{p.path}</code> {p.message}
                </List.Item>
              ))}
            </List>
          )}
        </Alert>
      )}
      <Textarea
        aria-label="Workflow definition (JSON)"
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        readOnly={!canEdit}
        autosize
        minRows={12}
        maxRows={40}
        spellCheck={false}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 13 } }}
      />
    </section>
  );
}
