import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server in the test process; it keeps every message it receives, parsed. */
export class TestSmtpServer {
  readonly mails: ParsedMail[] = [];
  private waiters: Array<(mail: ParsedMail) => void> = [];
  private unclaimed: ParsedMail[] = [];
  private readonly server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.mails.push(mail);
            const waiter = this.waiters.shift();
            if (waiter) waiter(mail);
            else this.unclaimed.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.server.address() as { port: number }).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** The next message to arrive (or one that arrived and nobody has taken). */
  nextMail(): Promise<ParsedMail> {
    const waiting = this.unclaimed.shift();
    if (waiting) return Promise.resolve(waiting);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export function linkIn(mail: ParsedMail): URL {
  const match = /(https?:\/\/\S+\/auth\/callback\?token=[\w-]+)/.exec(mail.text ?? '');
  if (!match) throw new Error(`no sign-in link in: ${mail.text}`);
  return new URL(match[1]!);
}
