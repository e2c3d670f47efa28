import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport, type Transporter } from 'nodemailer';
import { SETTINGS } from '#libs/config';
import type { NotificationsSettings } from '../notifications.settings';
import type { Mailer } from '../application/ports/mailer';
import type { EmailMessage } from '../domain/order-email';

/**
 * Sends customer emails: over SMTP when SMTP_HOST is set (STARTTLS whenever the server
 * offers it, implicit TLS with SMTP_SECURE), otherwise as `.eml` files in MAIL_OUTBOX_DIR,
 * so a laptop run shows what would have been sent without any mail server.
 */
@Injectable()
export class SmtpMailer implements Mailer, OnApplicationShutdown {
  private transport: Transporter | undefined;

  constructor(@Inject(SETTINGS) private readonly settings: NotificationsSettings) {}

  /** `key` names the `.eml` file, so a retried send overwrites it. */
  async send(message: EmailMessage, key: string): Promise<void> {
    const mail = {
      from: this.settings.mailFrom,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html,
    };
    if (this.settings.smtpHost) {
      await this.smtp().sendMail(mail);
      return;
    }
    const info = (await this.files().sendMail(mail)) as { message: Buffer };
    const dir = resolve(this.settings.mailOutboxDir);
    await mkdir(dir, { recursive: true });
    const name = `${key.replace(/[^A-Za-z0-9_-]/g, '_')}.eml`;
    // Written aside and renamed: whoever picks files up from the outbox never sees half a message.
    const partial = join(dir, `.${name}.${randomUUID()}.partial`);
    await writeFile(partial, info.message);
    await rename(partial, join(dir, name));
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  private smtp(): Transporter {
    this.transport ??= createTransport({
      host: this.settings.smtpHost,
      port: this.settings.smtpPort,
      secure: this.settings.smtpSecure,
      ...(this.settings.smtpUser
        ? { auth: { user: this.settings.smtpUser, pass: this.settings.smtpPassword ?? '' } }
        : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    return this.transport;
  }

  private files(): Transporter {
    this.transport ??= createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return this.transport;
  }
}
