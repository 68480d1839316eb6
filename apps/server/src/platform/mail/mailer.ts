import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail over SMTP_URL, or prints it to the console when no SMTP server is configured. */
export class Mailer {
  /** Made at the first mail: nodemailer (≈ 13 MB of RSS) is not loaded by a process that sends none. */
  private transport?: Promise<Transporter>;

  constructor(
    private readonly smtpUrl: string | undefined,
    private readonly from: string,
    private readonly logger: Logger,
  ) {}

  async send(mail: Mail): Promise<void> {
    if (!this.smtpUrl) {
      // Development default: the message is the console output (magic links included).
      process.stdout.write(`\n--- mail to ${mail.to} ---\nSubject: ${mail.subject}\n\n${mail.text}\n--- end of mail ---\n\n`);
      return;
    }
    const smtpUrl = this.smtpUrl;
    this.transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl));
    const info = await (await this.transport).sendMail({ from: this.from, ...mail });
    this.logger.info({ messageId: info.messageId }, 'mail sent');
  }

  close() {
    void this.transport?.then((transport) => transport.close(), () => undefined);
  }
}
