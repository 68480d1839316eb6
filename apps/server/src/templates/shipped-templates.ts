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

  // visa_approved: name; optional: country, applicationId, letter (a link to the approval letter,
  // SPEC §4's example). Optional parts are `{% if x %}` blocks; WhatsApp body parameters are the
  // variables given, in the order below (name, country, applicationId, letter).
  { name: 'visa_approved', channel: 'whatsapp', locale: 'en', providerRef: 'visa_approved', body: 'Good news, {{ name }}! Your visa{% if country %} to {{ country }}{% endif %}{% if applicationId %} (application {{ applicationId }}){% endif %} has been approved.{% if letter %} Your approval letter: {{ letter }}{% endif %}' },
  { name: 'visa_approved', channel: 'whatsapp', locale: 'he', providerRef: 'visa_approved', body: 'בשורה טובה, {{ name }}! הוויזה שלך{% if country %} ל{{ country }}{% endif %}{% if applicationId %} (בקשה {{ applicationId }}){% endif %} אושרה.{% if letter %} מכתב האישור: {{ letter }}{% endif %}' },
  { name: 'visa_approved', channel: 'email', locale: 'en', subject: 'Your visa{% if country %} to {{ country }}{% endif %} is approved', body: 'Hello {{ name }},\n\nYour visa{% if country %} to {{ country }}{% endif %}{% if applicationId %} (application {{ applicationId }}){% endif %} has been approved. {% if letter %}Your approval letter: {{ letter }}\n(the link is valid for 24 hours; the letter stays in your account){% else %}Your approval letter is attached to this application in your account.{% endif %}' },
  { name: 'visa_approved', channel: 'email', locale: 'he', subject: 'הוויזה שלך{% if country %} ל{{ country }}{% endif %} אושרה', body: 'שלום {{ name }},\n\nהוויזה שלך{% if country %} ל{{ country }}{% endif %}{% if applicationId %} (בקשה {{ applicationId }}){% endif %} אושרה. {% if letter %}מכתב האישור: {{ letter }}\n(הקישור תקף 24 שעות; המכתב זמין גם בחשבונך){% else %}מכתב האישור זמין בחשבונך.{% endif %}' },
  { name: 'visa_approved', channel: 'slack', locale: 'en', body: ':white_check_mark: Visa approved{% if name %} for {{ name }}{% endif %}{% if applicationId %}: application {{ applicationId }}{% endif %}{% if country %} ({{ country }}){% endif %}' },
  { name: 'visa_approved', channel: 'slack', locale: 'he', body: ':white_check_mark: ויזה אושרה{% if name %} עבור {{ name }}{% endif %}{% if applicationId %}: בקשה {{ applicationId }}{% endif %}{% if country %} ({{ country }}){% endif %}' },

  // visa_approved_ops: the run's scope (a step without `variables`, SPEC §4's ops step):
  // input.applicant.firstName/lastName, input.applicationId, input.country; optional
  // steps.letter.pages (the pdf.generate step `letter`). Never the letter's link: ops read Slack.
  { name: 'visa_approved_ops', channel: 'slack', locale: 'en', body: ':white_check_mark: Visa approved: {{ input.applicant.firstName }} {{ input.applicant.lastName }}, application {{ input.applicationId }} ({{ input.country }}).{% if steps.letter.pages %} Approval letter generated ({{ steps.letter.pages }} {% if steps.letter.pages == 1 %}page{% else %}pages{% endif %}).{% endif %} Run {{ run.id }}' },
  { name: 'visa_approved_ops', channel: 'slack', locale: 'he', body: ':white_check_mark: ויזה אושרה: {{ input.applicant.firstName }} {{ input.applicant.lastName }}, בקשה {{ input.applicationId }} ({{ input.country }}).{% if steps.letter.pages %} מכתב האישור הופק ({{ steps.letter.pages }} עמ׳).{% endif %} הרצה {{ run.id }}' },

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
