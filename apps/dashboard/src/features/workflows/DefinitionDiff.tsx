import { Box, Checkbox, Group, Text, VisuallyHidden } from '@mantine/core';
import { diffLines } from 'diff';
import { useMemo, useState } from 'react';

type Line = { kind: 'added' | 'removed' | 'same'; text: string } | { kind: 'folded'; count: number };

/** Unchanged lines kept around each change; longer unchanged stretches fold. */
const CONTEXT = 3;

const SIGN = { added: '+', removed: '−', same: ' ' } as const;
const SPOKEN = { added: 'Added: ', removed: 'Removed: ', same: '' } as const;
const BACKGROUND = { added: 'var(--mantine-color-green-light)', removed: 'var(--mantine-color-red-light)', same: undefined } as const;

/**
 * A line diff of two definitions, pretty-printed as JSON: each added line marked "+" and each
 * removed one "−" (said as "Added:" / "Removed:" to screen readers), green and red behind them.
 */
export function DefinitionDiff({ from, to, label }: { from: unknown; to: unknown; label: string }) {
  const [showAll, setShowAll] = useState(false);
  const lines = useMemo(() => lineDiff(JSON.stringify(from, null, 2), JSON.stringify(to, null, 2)), [from, to]);
  const added = lines.filter((l) => l.kind === 'added').length;
  const removed = lines.filter((l) => l.kind === 'removed').length;
  const shown = useMemo(() => (showAll ? lines : fold(lines)), [lines, showAll]);

  if (added === 0 && removed === 0) {
    return <Text size="sm">The two versions have the same definition.</Text>;
  }
  return (
    <>
      <Group justify="space-between">
        <Text size="sm" role="status">
          {added} line{added === 1 ? '' : 's'} added, {removed} removed
        </Text>
        <Checkbox size="xs" label="Show unchanged lines" checked={showAll} onChange={(e) => setShowAll(e.currentTarget.checked)} />
      </Group>
      <Box
        component="pre"
        role="region"
        aria-label={label}
        tabIndex={0}
        m={0}
        p="xs"
        style={{
          maxHeight: '60vh',
          overflow: 'auto',
          fontSize: 13,
          border: '1px solid var(--mantine-color-default-border)',
          borderRadius: 'var(--mantine-radius-md)',
        }}
      >
        {shown.map((line, i) =>
          line.kind === 'folded' ? (
            <span key={i} style={{ display: 'block', color: 'var(--mantine-color-dimmed)', fontStyle: 'italic' }}>
              {'  '}… {line.count} unchanged line{line.count === 1 ? '' : 's'}
            </span>
          ) : (
            <DiffLine key={i} kind={line.kind} text={line.text} />
          ),
        )}
      </Box>
    </>
  );
}

function DiffLine({ kind, text }: { kind: 'added' | 'removed' | 'same'; text: string }) {
  // Phrasing elements only: this is inside a <pre>.
  const Tag = kind === 'added' ? 'ins' : kind === 'removed' ? 'del' : 'span';
  return (
    <Tag data-change={kind} style={{ display: 'block', textDecoration: 'none', background: BACKGROUND[kind] }}>
      <span aria-hidden="true" style={{ fontWeight: 700, userSelect: 'none' }}>
        {SIGN[kind]}{' '}
      </span>
      {SPOKEN[kind] && <VisuallyHidden>{SPOKEN[kind]}</VisuallyHidden>}
      {text}
    </Tag>
  );
}

function lineDiff(before: string, after: string): Line[] {
  return diffLines(before, after).flatMap((change) => {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    return change.value.replace(/\n$/, '').split('\n').map((text) => ({ kind, text }) as Line);
  });
}

/** Long unchanged stretches as one "… n unchanged lines" row, keeping CONTEXT lines next to each change. */
function fold(lines: Line[]): Line[] {
  const out: Line[] = [];
  let run: Line[] = [];
  const flush = (atStart: boolean, atEnd: boolean) => {
    const keepBefore = atStart ? 0 : CONTEXT;
    const keepAfter = atEnd ? 0 : CONTEXT;
    if (run.length > keepBefore + keepAfter + 1) {
      out.push(...run.slice(0, keepBefore), { kind: 'folded', count: run.length - keepBefore - keepAfter }, ...run.slice(run.length - keepAfter));
    } else out.push(...run);
    run = [];
  };
  lines.forEach((line, i) => {
    if (line.kind === 'same') run.push(line);
    else {
      flush(out.length === 0, false);
      out.push(line);
    }
    if (i === lines.length - 1) flush(out.length === 0, true);
  });
  return out;
}
