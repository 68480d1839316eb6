import type { PutTemplate } from '@visapi/contracts';

/**
 * The PDF letters VisAPI ships (channel `pdf`, SPEC §7 pdf.generate): HTML fragments the
 * connector wraps in `<html lang dir>`, self-contained (no external assets: the page may load
 * nothing), fonts by family name — DejaVu Sans has the Hebrew glyphs. What they interpolate is
 * HTML-escaped; `{% if %}` may test an optional variable the data leaves out.
 */

const STYLE = `<style>
@page { size: A4; margin: 22mm 20mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; font-size: 11pt; line-height: 1.5; color: #1c1c1c; }
.head { border-bottom: 2px solid #1f4e79; color: #1f4e79; font-size: 13pt; font-weight: bold; padding-bottom: 3mm; margin-bottom: 10mm; }
h1 { font-size: 18pt; margin: 0 0 6mm; }
table { border-collapse: collapse; margin: 6mm 0 8mm; }
th { text-align: start; font-weight: normal; color: #555; padding: 1.5mm 0; padding-inline-end: 8mm; vertical-align: top; }
td { font-weight: bold; padding: 1.5mm 0; }
.foot { margin-top: 18mm; border-top: 1px solid #ccc; padding-top: 3mm; font-size: 8.5pt; color: #666; }
</style>`;

/** Minor units → major units with the currency's decimals, in integer arithmetic (4500 EUR → 45.00, 4500 JPY → 4500). */
const MONEY = `{% case currency %}{% when 'JPY', 'KRW', 'VND', 'CLP', 'ISK', 'UGX', 'XAF', 'XOF' %}{{ amount }}{% when 'BHD', 'KWD', 'OMR', 'JOD', 'TND', 'IQD', 'LYD' %}{{ amount | divided_by: 1000, true }}.{{ amount | modulo: 1000 | plus: 1000 | append: '' | slice: 1, 3 }}{% else %}{{ amount | divided_by: 100, true }}.{{ amount | modulo: 100 | plus: 100 | append: '' | slice: 1, 2 }}{% endcase %}`;

const visaApprovedEn = `${STYLE}
<div class="head">VisAPI · Visa services</div>
<h1>Visa approval letter</h1>
<p>Dear {{ applicant.firstName }} {{ applicant.lastName }},</p>
<p>We are pleased to inform you that your visa application to {{ country }} has been approved.</p>
<table>
<tr><th>Applicant</th><td>{{ applicant.firstName }} {{ applicant.lastName }}</td></tr>
<tr><th>Application</th><td>{{ applicationId }}</td></tr>
<tr><th>Destination</th><td>{{ country }}</td></tr>
{% if visaType %}<tr><th>Visa type</th><td>{{ visaType }}</td></tr>{% endif %}
{% if validUntil %}<tr><th>Valid until</th><td>{{ validUntil }}</td></tr>{% endif %}
</table>
<p>Please keep this letter with your passport and present it on request when you travel.</p>
<p>Kind regards,<br>The visa services team</p>
<div class="foot">Application {{ applicationId }}. This letter was issued electronically and is valid without a signature.</div>`;

const visaApprovedHe = `${STYLE}
<div class="head">VisAPI · שירותי ויזה</div>
<h1>מכתב אישור ויזה</h1>
<p>{{ applicant.firstName }} {{ applicant.lastName }} שלום,</p>
<p>שמחים להודיע לך שבקשת הוויזה שלך ל{{ country }} אושרה.</p>
<table>
<tr><th>שם המבקש</th><td>{{ applicant.firstName }} {{ applicant.lastName }}</td></tr>
<tr><th>מספר בקשה</th><td><bdi>{{ applicationId }}</bdi></td></tr>
<tr><th>יעד</th><td>{{ country }}</td></tr>
{% if visaType %}<tr><th>סוג ויזה</th><td>{{ visaType }}</td></tr>{% endif %}
{% if validUntil %}<tr><th>בתוקף עד</th><td><bdi>{{ validUntil }}</bdi></td></tr>{% endif %}
</table>
<p>יש לשמור מכתב זה יחד עם הדרכון ולהציגו בעת הצורך בנסיעה.</p>
<p>בברכה,<br>צוות שירותי הוויזה</p>
<div class="foot">בקשה <bdi>{{ applicationId }}</bdi>. מכתב זה הופק באופן אלקטרוני ותקף ללא חתימה.</div>`;

const paymentReceiptEn = `${STYLE}
<div class="head">VisAPI · Visa services</div>
<h1>Payment receipt</h1>
<p>Dear {{ applicant.firstName }} {{ applicant.lastName }},</p>
<p>Thank you. We have received your payment.</p>
<table>
<tr><th>Received from</th><td>{{ applicant.firstName }} {{ applicant.lastName }}</td></tr>
<tr><th>Amount</th><td>${MONEY} {{ currency }}</td></tr>
<tr><th>Payment</th><td>{{ paymentId }}</td></tr>
<tr><th>Paid at</th><td>{{ paidAt }}</td></tr>
</table>
<div class="foot">Payment {{ paymentId }}. This receipt was issued electronically.</div>`;

const paymentReceiptHe = `${STYLE}
<div class="head">VisAPI · שירותי ויזה</div>
<h1>קבלה על תשלום</h1>
<p>{{ applicant.firstName }} {{ applicant.lastName }} שלום,</p>
<p>תודה. התשלום שלך התקבל.</p>
<table>
<tr><th>התקבל מאת</th><td>{{ applicant.firstName }} {{ applicant.lastName }}</td></tr>
<tr><th>סכום</th><td><bdi>${MONEY} {{ currency }}</bdi></td></tr>
<tr><th>מספר תשלום</th><td><bdi>{{ paymentId }}</bdi></td></tr>
<tr><th>מועד התשלום</th><td><bdi>{{ paidAt }}</bdi></td></tr>
</table>
<div class="foot">תשלום <bdi>{{ paymentId }}</bdi>. קבלה זו הופקה באופן אלקטרוני.</div>`;

// visa_approved: applicant.firstName, applicant.lastName, applicationId, country; optional visaType, validUntil.
// payment_receipt: applicant.firstName, applicant.lastName, amount (integer, minor units), currency, paymentId, paidAt.
export const SHIPPED_PDF_LETTERS: PutTemplate[] = [
  { name: 'visa_approved', channel: 'pdf', locale: 'en', body: visaApprovedEn },
  { name: 'visa_approved', channel: 'pdf', locale: 'he', body: visaApprovedHe },
  { name: 'payment_receipt', channel: 'pdf', locale: 'en', body: paymentReceiptEn },
  { name: 'payment_receipt', channel: 'pdf', locale: 'he', body: paymentReceiptHe },
];
