import { formatDateTime, formatRelative } from '../lib/format';

/** "3 minutes ago", with the exact time in its tooltip; `fallback` when there is no time. */
export function RelativeTime({ iso, fallback = '—' }: { iso: string | null | undefined; fallback?: string }) {
  if (!iso) return <>{fallback}</>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}
