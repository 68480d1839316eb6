import type { PutTemplate } from '@visapi/contracts';
import { SHIPPED_PDF_LETTERS } from './shipped-pdf-letters';

/**
 * The templates VisAPI ships with (SPEC §8), seeded when missing and never overwritten.
 * Applicants get WhatsApp and e-mail; ops get Slack. WhatsApp templates name the provider's
 * template (meta) by the same name; for cgb, set providerRef to the flow's id.
 */
export const SHIPPED_TEMPLATES: PutTemplate[] = [
  // application_status_update: name, applicationId, status
  { name: 'application_status_update', channel: 'whatsapp', locale: 'en', providerRef: 'application_status_update', body: 'Hello {{ name }}, your visa application {{ applicationId }} is now: {{ status }}.' },
  { name: 'application_status_update', channel: 'whatsapp', locale: 'he', providerRef: 'application_status_update', body: 'שלום {{ name }}, סטטוס בקשת הוויזה שלך {{ applicationId }} עודכן: {{ status }}.' },
  { name: 'application_status_update', channel: 'email', locale: 'en', subject: 'Your visa application {{ applicationId }}: {{ status }}', body: 'Hello {{ name }},\n\nYour visa application {{ applicationId }} is now: {{ status }}.\n\nWe will write again when anything changes.' },
  { name: 'application_status_update', channel: 'email', locale: 'he', subject: 'בקשת הוויזה שלך {{ applicationId }}: {{ status }}', body: 'שלום {{ name }},\n\nסטטוס בקשת הוויזה שלך {{ applicationId }} עודכן: {{ status }}.\n\nנעדכן אותך שוב כשיהיה שינוי.' },
  { name: 'application_status_update', channel: 'slack', locale: 'en', body: ':passport_control: Status update sent to {{ count }} applicant(s): {{ summary }}' },
  { name: 'application_status_update', channel: 'slack', locale: 'he', body: ':passport_control: עדכון סטטוס נשלח ל-{{ count }} מבקשים: {{ summary }}' },

  // visa_approved: name, applicationId, country
  { name: 'visa_approved', channel: 'whatsapp', locale: 'en', providerRef: 'visa_approved', body: 'Good news, {{ name }}! Your visa to {{ country }} (application {{ applicationId }}) has been approved.' },
  { name: 'visa_approved', channel: 'whatsapp', locale: 'he', providerRef: 'visa_approved', body: 'בשורה טובה, {{ name }}! הוויזה שלך ל{{ country }} (בקשה {{ applicationId }}) אושרה.' },
  { name: 'visa_approved', channel: 'email', locale: 'en', subject: 'Your visa to {{ country }} is approved', body: 'Hello {{ name }},\n\nYour visa to {{ country }} (application {{ applicationId }}) has been approved. Your approval letter is attached to this application in your account.' },
  { name: 'visa_approved', channel: 'email', locale: 'he', subject: 'הוויזה שלך ל{{ country }} אושרה', body: 'שלום {{ name }},\n\nהוויזה שלך ל{{ country }} (בקשה {{ applicationId }}) אושרה. מכתב האישור זמין בחשבונך.' },
  { name: 'visa_approved', channel: 'slack', locale: 'en', body: ':white_check_mark: Visa approved: application {{ applicationId }} ({{ country }})' },
  { name: 'visa_approved', channel: 'slack', locale: 'he', body: ':white_check_mark: ויזה אושרה: בקשה {{ applicationId }} ({{ country }})' },

  // payment_receipt: name, amount, currency, reference
  { name: 'payment_receipt', channel: 'whatsapp', locale: 'en', providerRef: 'payment_receipt', body: 'Thank you, {{ name }}. We received your payment of {{ amount }} {{ currency }} (reference {{ reference }}).' },
  { name: 'payment_receipt', channel: 'whatsapp', locale: 'he', providerRef: 'payment_receipt', body: 'תודה, {{ name }}. קיבלנו את התשלום שלך בסך {{ amount }} {{ currency }} (אסמכתא {{ reference }}).' },
  { name: 'payment_receipt', channel: 'email', locale: 'en', subject: 'Payment received: {{ amount }} {{ currency }}', body: 'Hello {{ name }},\n\nWe received your payment of {{ amount }} {{ currency }}.\nReference: {{ reference }}\n\nThank you.' },
  { name: 'payment_receipt', channel: 'email', locale: 'he', subject: 'התשלום התקבל: {{ amount }} {{ currency }}', body: 'שלום {{ name }},\n\nקיבלנו את התשלום שלך בסך {{ amount }} {{ currency }}.\nאסמכתא: {{ reference }}\n\nתודה.' },
  { name: 'payment_receipt', channel: 'slack', locale: 'en', body: ':moneybag: Payment received: {{ amount }} {{ currency }} (reference {{ reference }})' },
  { name: 'payment_receipt', channel: 'slack', locale: 'he', body: ':moneybag: תשלום התקבל: {{ amount }} {{ currency }} (אסמכתא {{ reference }})' },
];

// The PDF letters (issue 12), kept in their own file.
SHIPPED_TEMPLATES.push(...SHIPPED_PDF_LETTERS);
