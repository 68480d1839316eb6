import { Title } from '@mantine/core';
import { type ReactNode, useEffect, useRef } from 'react';

/** A step's heading, focused when the step appears: screen readers read it, Tab goes on from it. */
export function FocusedHeading({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <Title order={3} ref={ref} tabIndex={-1} style={{ outline: 'none' }}>
      {children}
    </Title>
  );
}
