import { Box, Code, Text } from '@mantine/core';

/**
 * A JSON value under a summary line that opens and closes it (a native disclosure: keyboard
 * and screen readers know it). Values shown here are the API's, already redacted.
 */
export function JsonBlock({ label, value, open = false }: { label: string; value: unknown; open?: boolean }) {
  const text = value === undefined ? 'null' : JSON.stringify(value, null, 2);
  return (
    <Box component="details" open={open}>
      <Text component="summary" size="sm" fw={500} style={{ cursor: 'pointer', width: 'fit-content' }}>
        {label}
      </Text>
      <Code block mt={4} style={{ maxHeight: '24rem', overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {text}
      </Code>
    </Box>
  );
}
