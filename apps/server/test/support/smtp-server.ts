import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server in the test process; it keeps every message it receives, parsed. */
export class TestSmtpServer {
  readonly mails: ParsedMail[] = [];
  /** Recipients refused at RCPT TO with 550, as a server refuses an unknown mailbox. */
  readonly refuse = new Set<string>();
  private waiters: Array<(mail: ParsedMail) => void> = [];
  private unclaimed: ParsedMail[] = [];
  private readonly server: SMTPServer;
  port = 0;
  private hold?: { reached: () => void; released: Promise<void> };

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        if (this.refuse.has(address.address)) return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
        callback();
      },
      onData: (stream, _session, callback) => {
        const hold = this.hold;
        this.hold = undefined;
        hold?.reached();
        (hold?.released ?? Promise.resolve())
          .then(() => simpleParser(stream))
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

  /**
   * Holds the next message at DATA (the sender waits for the server's answer) until `release`;
   * `reached` resolves when a sender is waiting there.
   */
  holdNext(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    this.hold = { reached, released: new Promise<void>((r) => (release = r)) };
    return { reached: reachedP, release };
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
