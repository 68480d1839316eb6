import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends mail over SMTP_URL, or prints it to the console when no SMTP server is configured. */
export class Mailer {
  private readonly transport?: Transporter;

  constructor(
    smtpUrl: string | undefined,
    private readonly from: string,
    private readonly logger: Logger,
  ) {
    if (smtpUrl) this.transport = nodemailer.createTransport(smtpUrl);
  }

  async send(mail: Mail): Promise<void> {
    if (!this.transport) {
      // Development default: the message is the console output (magic links included).
      process.stdout.write(`\n--- mail to ${mail.to} ---\nSubject: ${mail.subject}\n\n${mail.text}\n--- end of mail ---\n\n`);
      return;
    }
    const info = await this.transport.sendMail({ from: this.from, ...mail });
    this.logger.info({ messageId: info.messageId }, 'mail sent');
  }

  close() {
    this.transport?.close();
  }
}
