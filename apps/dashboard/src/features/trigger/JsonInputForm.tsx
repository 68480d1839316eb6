import { Button, List, Stack, Text, Textarea } from '@mantine/core';
import type { RJSFSchema } from '@rjsf/utils';
import { type FormEvent, useId, useState } from 'react';
import { checkInput } from './json-schema-check';

type Problem = { path: string; message: string };

interface JsonInputFormProps {
  /** The workflow's inputSchema; without one any JSON (or nothing: `{}`) is sent. */
  schema?: RJSFSchema;
  text: string;
  onTextChange: (text: string) => void;
  onSubmit: (value: unknown) => void;
  sending: boolean;
}

/** The input as pasted JSON, parsed and checked against the inputSchema before it is sent. */
export function JsonInputForm({ schema, text, onTextChange, onSubmit, sending }: JsonInputFormProps) {
  const [problems, setProblems] = useState<Problem[]>([]);
  const problemsId = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parse(text);
    const found = 'problem' in parsed ? [parsed.problem] : schema ? checkInput(schema, parsed.value) : [];
    setProblems(found);
    if (found.length === 0 && 'value' in parsed) onSubmit(parsed.value);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        <Textarea
          label="Input (JSON)"
          description={schema ? 'Checked against the workflow’s inputSchema before it is sent.' : 'Optional: left empty, the run gets {}.'}
          value={text}
          onChange={(e) => onTextChange(e.currentTarget.value)}
          autosize
          minRows={6}
          maxRows={24}
          spellCheck={false}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          error={problems.length > 0 ? `${problems.length === 1 ? '1 problem' : `${problems.length} problems`}: see below` : undefined}
          aria-describedby={problems.length > 0 ? problemsId : undefined}
        />
        {problems.length > 0 && (
          <div id={problemsId} role="alert">
            <Text size="sm" fw={500}>
              The input was not sent:
            </Text>
            <List size="sm">
              {problems.map((p) => (
                <List.Item key={`${p.path}:${p.message}`}>
                  <code>{p.path}</code> {p.message}
                </List.Item>
              ))}
            </List>
          </div>
        )}
        <Button type="submit" w="fit-content" loading={sending}>
          Run workflow
        </Button>
      </Stack>
    </form>
  );
}

function parse(text: string): { value: unknown } | { problem: Problem } {
  if (text.trim() === '') return { value: {} };
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { problem: { path: '$', message: `not valid JSON: ${(error as Error).message}` } };
  }
}
