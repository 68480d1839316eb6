import { Text, Title } from '@mantine/core';
import { type FramedPath, PAGE_FRAMES } from './page-frames';

/** The page's heading, as its frame in the HTML shows it (frames/page-frames.ts). */
export function PageTitle({ path }: { path: FramedPath }) {
  return <Title order={2}>{PAGE_FRAMES[path].title}</Title>;
}

/** The paragraph under the heading, as its frame in the HTML shows it. */
export function PageDescription({ path }: { path: Extract<FramedPath, keyof DescribedFrames> }) {
  return (
    <Text size="sm" c="dimmed">
      {PAGE_FRAMES[path].description}
    </Text>
  );
}

type DescribedFrames = { [P in FramedPath as (typeof PAGE_FRAMES)[P] extends { description: string } ? P : never]: true };
