import { IMAGE_DEFAULTS } from '../connectors/image/image-process';
import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { CHROMIUM_MISSING, findChromium } from '../connectors/pdf/browser-pool';
import { createStepRegistry } from '../connectors/registry';
import type { ConnectorSettings } from '../connectors/ports';
import { TemplateRenderer } from '../engine/templating';
import { StepRegistry } from '../engine/step-types';
import { OutboxService } from '../outbox/outbox.service';
import type { Config } from '../platform/config/config';
import type { FileStore } from '../storage/file-store';
import { OBJECT_STORAGE } from '../storage/storage.module';
import { CONFIG, LOGGER } from '../platform/platform.module';
import { TemplateRegistry } from '../templates/template-registry';

export function connectorSettings(config: Config): ConnectorSettings {
  return {
    httpAllowedHosts: config.HTTP_STEP_ALLOWED_HOSTS,
    defaultLocale: config.DEFAULT_LOCALE,
    slack: { botToken: config.SLACK_BOT_TOKEN, apiUrl: config.SLACK_API_URL, webhookUrl: config.SLACK_WEBHOOK_URL },
    whatsapp: {
      provider: config.WHATSAPP_PROVIDER,
      cgb: { apiUrl: config.CGB_API_URL, apiKey: config.CGB_API_KEY, phoneFieldId: config.CGB_PHONE_FIELD_ID },
      meta: { apiUrl: config.META_WA_API_URL, token: config.META_WA_TOKEN, phoneNumberId: config.META_WA_PHONE_NUMBER_ID },
    },
    email: { smtpUrl: config.SMTP_URL, from: config.MAIL_FROM },
    image: { ...IMAGE_DEFAULTS },
    pdf: { chromiumPath: config.CHROMIUM_PATH, concurrency: config.PDF_CONCURRENCY, sandbox: config.CHROMIUM_SANDBOX },
  };
}

/** The connectors, wired to the configuration, the template registry, the outbox and the object store. */
export const stepRegistryProvider: Provider = {
  provide: StepRegistry,
  inject: [CONFIG, TemplateRegistry, OutboxService, TemplateRenderer, OBJECT_STORAGE],
  useFactory: (config: Config, templates: TemplateRegistry, outbox: OutboxService, renderer: TemplateRenderer, storage: FileStore) =>
    createStepRegistry({ settings: connectorSettings(config), templates, outbox, renderer, storage }),
};

/**
 * The connectors' process-wide resources: a worker without Chromium says so at boot (and
 * starts: only pdf.generate steps fail), and the worker's shutdown closes pdf.generate's
 * browser — after the worker has drained (app/shutdown.ts), so no render is cut.
 */
@Injectable()
export class ConnectorsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(CONFIG) private readonly config: Pick<Config, 'CHROMIUM_PATH'>,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly registry: StepRegistry,
  ) {}

  onApplicationBootstrap() {
    if (findChromium(this.config.CHROMIUM_PATH)) return;
    const configured = this.config.CHROMIUM_PATH ? ` (CHROMIUM_PATH=${this.config.CHROMIUM_PATH} is not an executable file)` : '';
    this.logger.warn(`pdf.generate: ${CHROMIUM_MISSING}${configured}; until then pdf.generate steps fail with a permanent error`);
  }

  onApplicationShutdown() {
    return this.registry.close();
  }
}
