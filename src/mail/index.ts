export { type ConsoleMailOptions, consoleMailBackend } from './backends/console.js';
export { fileMailBackend } from './backends/file.js';
export { type OutboxMailBackend, outboxMailBackend } from './backends/memory.js';
export { type SmtpMailOptions, smtpMailBackend } from './backends/smtp.js';
export { type MailUrlOptions, mailBackendFromUrl } from './mail-url.js';
export { createMailer, type MailContext, type Mailer, sendMail } from './mailer.js';
export type { MailAttachment, MailBackend, MailMessage } from './message.js';
export { defineMailTemplate, escapeHtml, type MailTemplate, type MailTemplateSource } from './template.js';
