import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { PutTemplate, Template, TemplateChannel, TemplatePreview, TemplatePreviewRequest } from '@visapi/contracts';
import { getJson, isRefetch, postJson, putJson, queryString } from './client';
import { queryKeys } from './query-keys';

/** GET /api/v1/templates's filters (templatesQuerySchema): exact name, channel, locale. */
export interface TemplatesFilter {
  name?: string;
  channel?: TemplateChannel;
  locale?: string;
}

/** Every template the filters match (the API answers them all, ordered by name, channel, locale). */
export function useTemplates(filter: TemplatesFilter) {
  return useQuery({
    queryKey: queryKeys.templates.list(filter),
    queryFn: (context) => getJson<{ items: Template[] }>(`/api/v1/templates${queryString({ ...filter })}`, { background: isRefetch(context) }),
  });
}

/**
 * A draft rendered by the server's Liquid with sample variables; `undefined` renders nothing.
 * A template that does not parse or render is a 422 whose `errors` say where. The last good
 * preview stays while the next one loads.
 */
export function useTemplatePreview(request: TemplatePreviewRequest | undefined) {
  return useQuery({
    queryKey: queryKeys.templates.preview(request ?? {}),
    queryFn: () => postJson<TemplatePreview>('/api/v1/templates/preview', request),
    enabled: request !== undefined,
    retry: false,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });
}

/** PUT: creates the (name, channel, locale) template (version 1) or stores its next version. */
export function usePutTemplate() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (template: PutTemplate) => putJson<Template>('/api/v1/templates', template),
    onSuccess: () => void client.invalidateQueries({ queryKey: queryKeys.templates.lists }),
  });
}
