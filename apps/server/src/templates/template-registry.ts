import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { TemplateChannel } from '@visapi/contracts';
import type { MessageTemplate, TemplateSource } from '../connectors/ports';
import { PubSubCache } from '../platform/cache/pubsub-cache';
import type { Logger } from 'pino';
import type { Config } from '../platform/config/config';
import { CONFIG, LOGGER, REDIS } from '../platform/platform.module';
import type { RedisConnections } from '../platform/redis/redis';
import { type TemplateRow, TemplatesRepository } from './templates.repository';

/** `he-IL` → [`he-IL`, `he`, `en`]: the exact locale, its language, the default (SPEC §8). */
export function localeChain(locale: string | undefined, fallback: string): string[] {
  const chain: string[] = [];
  if (locale) {
    const parts = locale.split('-');
    for (let n = parts.length; n >= 1; n--) chain.push(parts.slice(0, n).join('-'));
  }
  for (const l of [fallback, fallback.split('-')[0]!]) if (!chain.includes(l)) chain.push(l);
  return chain;
}

/**
 * Template lookup for the connectors, from memory: every change clears every process's copy
 * through Redis pub/sub, so a run started after a PUT uses the new text.
 */
@Injectable()
export class TemplateRegistry implements TemplateSource, OnModuleInit {
  private readonly cache: PubSubCache<MessageTemplate>;

  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'DEFAULT_LOCALE'>,
    @Inject(REDIS) redis: RedisConnections,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly repository: TemplatesRepository,
  ) {
    this.cache = new PubSubCache(redis.create('subscriber', 'visapi:templates:sub'), redis.create('command', 'visapi:templates:pub'), redis.key('templates', 'changed'), { ttlMs: 5 * 60_000 }, logger);
  }

  onModuleInit() {
    this.cache.start().catch((error: unknown) => this.logger.error({ err: error }, 'template cache could not subscribe to changes; reading templates from the database'));
  }

  async resolve(name: string, channel: TemplateChannel, locale?: string): Promise<MessageTemplate | undefined> {
    const key = `${channel}\u0000${name}\u0000${locale ?? ''}`;
    const template = await this.cache.getOrLoad(key, async () => {
      const chain = localeChain(locale?.trim() || undefined, this.config.DEFAULT_LOCALE);
      const rows = await this.repository.findIn(name, channel, chain);
      const best = chain.map((l) => rows.find((r) => r.locale.toLowerCase() === l.toLowerCase())).find(Boolean);
      return best ? toMessageTemplate(best) : null;
    });
    return template ?? undefined;
  }

  /** After a change: every process forgets every template. */
  changed(): Promise<void> {
    return this.cache.invalidate('*');
  }
}

function toMessageTemplate(row: TemplateRow): MessageTemplate {
  return { name: row.name, channel: row.channel, locale: row.locale, subject: row.subject, body: row.body, providerRef: row.provider_ref, version: row.version };
}
